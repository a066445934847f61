// SPDX-License-Identifier: MIT
/*
 * Just enough HTTP/1.x for a Prometheus scrape: read the request head,
 * answer, close (RFC 9112 §9.6, "Connection: close").  Headers are not
 * interpreted; a body is never expected, so none is read.
 */
#include <string.h>

#include "tlsd_prom.h"

/* The head ends at the first empty line (CRLF CRLF, or bare LF LF). */
static const char *tlsd_http_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

static int tlsd_http_token(const char **p, const char *end, char *out,
                           size_t outlen)
{
	size_t n = 0;

	while (*p < end && **p != ' ' && **p != '\r' && **p != '\n') {
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	return n ? 0 : -1;
}

int tlsd_http_parse(const char *buf, size_t len, struct tlsd_http_request *req)
{
	const char *end = tlsd_http_head_end(buf, len);
	const char *line_end, *p = buf;
	char target[sizeof(req->path) + 64], version[16];

	if (!end)
		return len >= TLSD_HTTP_MAX_REQUEST ? 431 : 0;
	if ((size_t)(end - buf) > TLSD_HTTP_MAX_REQUEST)
		return 431;
	line_end = memchr(buf, '\n', (size_t)(end - buf));
	if (line_end > buf && line_end[-1] == '\r')
		line_end--;
	/* request-line = method SP request-target SP HTTP-version */
	if (tlsd_http_token(&p, line_end, req->method, sizeof(req->method)) ||
	    p >= line_end || *p++ != ' ' ||
	    tlsd_http_token(&p, line_end, target, sizeof(target)) ||
	    p >= line_end || *p++ != ' ' ||
	    tlsd_http_token(&p, line_end, version, sizeof(version)) ||
	    p != line_end)
		return 400;
	if (strncmp(version, "HTTP/", 5))
		return 400;
	if (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1"))
		return 505;
	if (target[0] != '/')
		return 400;
	target[strcspn(target, "?#")] = '\0';
	if (strlen(target) >= sizeof(req->path))
		return 400;
	strcpy(req->path, target);
	return 1;
}

int tlsd_http_route(const struct tlsd_http_request *req)
{
	if (strcmp(req->path, "/metrics"))
		return 404;
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
		return 405;
	return 200;
}

const char *tlsd_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}
