#ifndef WARDEN_ATTRIB_H
#define WARDEN_ATTRIB_H

/* Compiler annotations and the few constants every module shares. */

#define WD_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define WD_NONNULL(...)	__attribute__((nonnull(__VA_ARGS__)))
#define WD_WUR		__attribute__((warn_unused_result))
#define WD_NORETURN	__attribute__((noreturn))
#define WD_UNUSED	__attribute__((unused))

/* Incremental parsers: "need more bytes". */
#define WD_AGAIN	(-2)

#define WD_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
