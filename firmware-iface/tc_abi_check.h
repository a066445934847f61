/* SPDX-License-Identifier: MIT */
/*
 * One macro checks the layout of every wire struct: its size, then the
 * offset of each field.  Both sides of the bus and the Python tests rely on
 * these numbers, so a compiler that pads differently fails the build here
 * rather than corrupting DMA at run time.
 */
#ifndef TC_ABI_CHECK_H
#define TC_ABI_CHECK_H

#include <stddef.h>

#define TC_CHECK_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), "sizeof(" #type ") != " #size)

#define TC_CHECK_OFFSET(type, field, off)              \
	_Static_assert(offsetof(type, field) == (off), \
	               "offsetof(" #type ", " #field ") != " #off)

#endif
