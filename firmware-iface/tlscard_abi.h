/* SPDX-License-Identifier: MIT */
/* The whole card ABI: include this one header. */
#ifndef TLSCARD_ABI_H
#define TLSCARD_ABI_H
#include "tc_regs.h"
#include "tc_desc.h"
#endif
