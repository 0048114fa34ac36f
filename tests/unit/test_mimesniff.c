#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "mimesniff.h"

/*
 * The types asserted here are what Debian 12's libmagic (file 5.44) says
 * of bytes built to look like the real thing: the default policy's list
 * of executable types is written from them.
 */

static struct mimesniff	*magic;		/* opened by the first sniff() */
static struct werr	 err;
static unsigned char	 buf[MIMESNIFF_BYTES + 4096];

static void
put16le(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32le(unsigned char *p, uint32_t v)
{
	put16le(p, v & 0xffff);
	put16le(p + 2, v >> 16);
}

static void
put64le(unsigned char *p, uint64_t v)
{
	put32le(p, (uint32_t)v);
	put32le(p + 4, (uint32_t)(v >> 32));
}

static void
put32be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The type libmagic gives the first len bytes of buf. */
static const char *
sniff(size_t len)
{
	static char out[128];
	size_t i;

	if (magic == NULL)
		magic = mimesniff_new(&err);
	CU_ASSERT_FATAL(magic != NULL);
	memset(out, 'x', sizeof(out));
	CU_ASSERT_EQUAL(mimesniff_buffer(magic, buf, len, out, sizeof(out),
	    &err), 0);
	for (i = 0; out[i] != '\0'; i++)
		CU_ASSERT(out[i] < 'A' || out[i] > 'Z');
	return out;
}

static const char *
sniff_str(const char *s)
{
	size_t len = strlen(s);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, s, len);
	return sniff(len);
}

/* An MS-DOS header; e_lfanew at 0x3c points to the PE header, if any. */
static void
mz(uint32_t lfanew, unsigned reloc)
{
	put16le(buf, 0x5a4d);		/* "MZ" */
	put16le(buf + 0x02, 0x90);	/* bytes on the last page */
	put16le(buf + 0x04, 3);		/* pages */
	put16le(buf + 0x08, 4);		/* header paragraphs */
	put16le(buf + 0x0c, 0xffff);	/* max alloc */
	put16le(buf + 0x10, 0xb8);	/* initial SP */
	put16le(buf + 0x18, reloc);	/* relocation table offset */
	put32le(buf + 0x3c, lfanew);
}

/* A PE image: a COFF header and an optional header, one section. */
static size_t
pe(bool plus)
{
	unsigned char *p = buf + 0x80, *opt;
	unsigned optsize = plus ? 240 : 224;

	memset(buf, 0, sizeof(buf));
	mz(0x80, 0x40);
	memcpy(p, "PE\0\0", 4);
	put16le(p + 4, plus ? 0x8664 : 0x14c);	/* x86-64, i386 */
	put16le(p + 6, 1);			/* sections */
	put16le(p + 20, optsize);
	/* Executable image; 32-bit machine or large address aware. */
	put16le(p + 22, plus ? 0x22 : 0x102);
	opt = p + 24;
	put16le(opt, plus ? 0x20b : 0x10b);
	opt[2] = 14;				/* linker version */
	put16le(opt + 68, 3);			/* console subsystem */
	return 0x80 + 24 + optsize + 40 + 512;
}

static size_t
elf(unsigned type)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\177ELF", 4);
	buf[4] = 2;			/* 64-bit */
	buf[5] = 1;			/* little-endian */
	buf[6] = 1;			/* version */
	put16le(buf + 16, type);
	put16le(buf + 18, 62);		/* x86-64 */
	put32le(buf + 20, 1);
	put64le(buf + 24, 0x401000);	/* entry */
	put64le(buf + 32, 64);		/* program headers */
	put16le(buf + 52, 64);		/* header size */
	put16le(buf + 54, 56);		/* program header size */
	put16le(buf + 58, 64);		/* section header size */
	return 64 + 256;
}

/*
 * A compound document (MS-CFB) holding a SummaryInformation stream, as
 * an MSI does. 512-byte sectors after the header: the FAT, the
 * directory, 8 sectors of stream, with the FAT first or last (large MSIs
 * often have it far from the start). root_msi: the root storage has the
 * CLSID of an MSI; app: the property "name of creating application".
 */
#define CFB_END		0xfffffffeu
#define CFB_FREE	0xffffffffu
#define CFB_FATSECT	0xfffffffdu

static unsigned char *
cfb_sector(unsigned n)
{
	return buf + 512 + 512 * (size_t)n;
}

static void
cfb_dirent(unsigned char *e, const char *name, unsigned type,
    uint32_t child, uint32_t start, uint32_t size)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++)
		put16le(e + 2 * i, (unsigned char)name[i]);
	put16le(e + 64, (unsigned)(2 * n + 2));
	e[66] = (unsigned char)type;
	e[67] = 1;				/* black */
	put32le(e + 68, CFB_FREE);		/* left sibling: none */
	put32le(e + 72, CFB_FREE);		/* right sibling: none */
	put32le(e + 76, child);
	put32le(e + 116, start);
	put32le(e + 120, size);
}

static size_t
cfb(bool root_msi, const char *app, bool fat_last)
{
	/* {000C1084-0000-0000-C000-000000000046} */
	static const unsigned char msi_clsid[16] = {
		0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
	};
	/* FMTID_SummaryInformation, F29F85E0-4FF9-1068-AB91-08002B27B3D9 */
	static const unsigned char fmtid[16] = {
		0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10,
		0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9,
	};
	unsigned fat = fat_last ? 9 : 0, dir = fat_last ? 0 : 1;
	unsigned s0 = fat_last ? 1 : 2, i;
	unsigned char *p, *sec;
	size_t applen, nprops = app != NULL ? 2 : 1, off;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	put16le(buf + 24, 0x3e);		/* minor version */
	put16le(buf + 26, 3);			/* major version */
	put16le(buf + 28, 0xfffe);		/* little-endian */
	put16le(buf + 30, 9);			/* 512-byte sectors */
	put16le(buf + 32, 6);			/* 64-byte mini sectors */
	put32le(buf + 44, 1);			/* FAT sectors */
	put32le(buf + 48, dir);
	put32le(buf + 56, 4096);		/* mini stream cutoff */
	put32le(buf + 60, CFB_END);		/* no mini FAT */
	put32le(buf + 68, CFB_END);		/* no DIFAT sectors */
	for (i = 0; i < 109; i++)
		put32le(buf + 76 + 4 * i, i == 0 ? fat : CFB_FREE);

	p = cfb_sector(fat);
	memset(p, 0xff, 512);
	put32le(p + 4 * fat, CFB_FATSECT);
	put32le(p + 4 * dir, CFB_END);
	for (i = 0; i < 8; i++)
		put32le(p + 4 * (s0 + i), i < 7 ? s0 + i + 1 : CFB_END);

	p = cfb_sector(dir);
	cfb_dirent(p, "Root Entry", 5, 1, CFB_END, 0);
	if (root_msi)
		memcpy(p + 80, msi_clsid, 16);
	cfb_dirent(p + 128, "\005SummaryInformation", 2, CFB_FREE, s0, 4096);

	/* The property set stream, 4096 bytes: not in the mini stream. */
	p = cfb_sector(s0);
	put16le(p, 0xfffe);
	put32le(p + 4, 0x00020006);		/* Windows 6.0 */
	put32le(p + 24, 1);			/* one property set */
	memcpy(p + 28, fmtid, 16);
	put32le(p + 44, 48);
	sec = p + 48;
	off = 8 + 8 * nprops;
	put32le(sec + 8, 1);			/* PID_CODEPAGE */
	put32le(sec + 12, (uint32_t)off);
	put32le(sec + off, 2);			/* VT_I2 */
	put16le(sec + off + 4, 1252);
	off += 8;
	if (app != NULL) {
		applen = strlen(app) + 1;
		put32le(sec + 16, 18);		/* PID_APPNAME */
		put32le(sec + 20, (uint32_t)off);
		put32le(sec + off, 0x1e);	/* VT_LPSTR */
		put32le(sec + off + 4, (uint32_t)applen);
		memcpy(sec + off + 8, app, applen);
		off += 8 + (applen + 3) / 4 * 4;
	}
	put32le(sec, (uint32_t)off);
	put32le(sec + 4, (uint32_t)nprops);
	return 512 + 10 * 512;
}

static void
test_mimesniff_new(void)
{
	struct mimesniff *m = mimesniff_new(&err);

	CU_ASSERT_PTR_NOT_NULL(m);
	mimesniff_free(m);
	mimesniff_free(NULL);
}

static void
test_mimesniff_empty(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(0), "application/x-empty");
}

static void
test_mimesniff_pe32(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(pe(false)),
	    "application/vnd.microsoft.portable-executable");
}

static void
test_mimesniff_pe32_plus(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(pe(true)),
	    "application/vnd.microsoft.portable-executable");
}

static void
test_mimesniff_dos(void)
{
	memset(buf, 0, sizeof(buf));
	mz(0, 0x1c);
	/* mov ax, 4c00h; int 21h */
	memcpy(buf + 0x40, "\xb8\x00\x4c\xcd\x21", 5);
	CU_ASSERT_STRING_EQUAL(sniff(0x40 + 5 + 100), "application/x-dosexec");
}

/*
 * A PE header pointer past the buffer, or to garbage, must not hurt.
 * libmagic then describes the bytes as "MS-DOS executable" but gives no
 * MIME type for that: a block list cannot count on seeing every MZ file
 * as an executable type.
 */
static void
test_mimesniff_pe_bad_offset(void)
{
	size_t len = pe(false);

	put32le(buf + 0x3c, 0xfffffff0);
	CU_ASSERT_STRING_EQUAL(sniff(len), "application/octet-stream");
	put32le(buf + 0x3c, (uint32_t)len - 2);
	CU_ASSERT_STRING_EQUAL(sniff(len), "application/octet-stream");
}

static void
test_mimesniff_elf_exec(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(elf(2)), "application/x-executable");
}

static void
test_mimesniff_elf_shared(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(elf(3)), "application/x-sharedlib");
}

static void
test_mimesniff_elf_object(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(elf(1)), "application/x-object");
}

/*
 * A PIE executable is ET_DYN: only the DF_1_PIE flag, which libmagic
 * reads from a file descriptor and not from a buffer, tells it from a
 * shared library. So /bin/true sniffs as a shared library here, though
 * file(1) calls it "application/x-pie-executable".
 */
static void
test_mimesniff_elf_pie(void)
{
	FILE *f = fopen("/bin/true", "rb");
	size_t len;

	CU_ASSERT_FATAL(f != NULL);
	len = fread(buf, 1, MIMESNIFF_BYTES, f);
	fclose(f);
	CU_ASSERT(len > 64);
	CU_ASSERT_STRING_EQUAL(sniff(len), "application/x-sharedlib");
}

static void
test_mimesniff_macho(void)
{
	memset(buf, 0, sizeof(buf));
	put32le(buf, 0xfeedfacf);		/* 64-bit, little-endian */
	put32le(buf + 4, 0x01000007);		/* x86-64 */
	put32le(buf + 8, 3);
	put32le(buf + 12, 2);			/* MH_EXECUTE */
	CU_ASSERT_STRING_EQUAL(sniff(32 + 256), "application/x-mach-binary");
}

/* 0xcafebabe with few architectures: Mach-O; with a version: Java. */
static void
test_mimesniff_macho_fat(void)
{
	memset(buf, 0, sizeof(buf));
	put32be(buf, 0xcafebabe);
	put32be(buf + 4, 2);
	put32be(buf + 8, 0x01000007);		/* x86-64 */
	put32be(buf + 12, 3);
	put32be(buf + 16, 0x1000);
	put32be(buf + 20, 0x100);
	put32be(buf + 24, 12);
	put32be(buf + 28, 0x0100000c);		/* arm64 */
	put32be(buf + 36, 0x2000);
	put32be(buf + 40, 0x100);
	put32be(buf + 44, 14);
	CU_ASSERT_STRING_EQUAL(sniff(48 + 256), "application/x-mach-binary");
}

static void
test_mimesniff_java_class(void)
{
	memset(buf, 0, sizeof(buf));
	put32be(buf, 0xcafebabe);
	put32be(buf + 4, 52);			/* Java 8 */
	CU_ASSERT_STRING_EQUAL(sniff(72), "application/x-java-applet");
}

static void
test_mimesniff_msi(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(cfb(true, NULL, false)),
	    "application/x-msi");
	CU_ASSERT_STRING_EQUAL(sniff(cfb(true, "msitools 0.101", false)),
	    "application/x-msi");
}

/* Without the CLSID, libmagic goes by the creating application. */
static void
test_mimesniff_msi_by_app(void)
{
	CU_ASSERT_STRING_EQUAL(sniff(cfb(false,
	    "Windows Installer XML Toolset (3.11.2.4516)", false)),
	    "application/vnd.ms-msi");
	CU_ASSERT_STRING_EQUAL(sniff(cfb(false, "Microsoft Office Word",
	    false)), "application/msword");
	CU_ASSERT_STRING_EQUAL(sniff(cfb(false, NULL, false)),
	    "application/vnd.ms-office");
}

/*
 * The FAT is needed to read anything in the document. When it lies
 * past the bytes sniffed, as in large MSIs, all libmagic can say is
 * that this is a compound document.
 */
static void
test_mimesniff_msi_fat_not_seen(void)
{
	size_t len = cfb(true, NULL, true);

	CU_ASSERT_STRING_EQUAL(sniff(len), "application/x-msi");
	CU_ASSERT_STRING_EQUAL(sniff(len - 512), "application/x-ole-storage");
}

static void
test_mimesniff_png(void)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	put32be(buf + 8, 13);
	memcpy(buf + 12, "IHDR", 4);
	put32be(buf + 16, 1);
	put32be(buf + 20, 1);
	buf[24] = 8;				/* depth; greyscale */
	CU_ASSERT_STRING_EQUAL(sniff(33 + 12), "image/png");
}

static void
test_mimesniff_gif(void)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "GIF89a\x01\x00\x01\x00\x80\x00\x00", 13);
	CU_ASSERT_STRING_EQUAL(sniff(13 + 32), "image/gif");
}

static void
test_mimesniff_jpeg(void)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01"
	    "\x00\x01\x00\x00", 20);
	CU_ASSERT_STRING_EQUAL(sniff(20 + 64), "image/jpeg");
}

static void
test_mimesniff_html(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("<!DOCTYPE html>\n<html><head>"
	    "<title>x</title></head><body><p>hi</p></body></html>\n"),
	    "text/html");
	CU_ASSERT_STRING_EQUAL(sniff_str("<html>\n<body>hello</body>\n"
	    "</html>\n"), "text/html");
}

static void
test_mimesniff_text(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("Hello, world.\nThis is plain "
	    "text.\n"), "text/plain");
}

static void
test_mimesniff_json(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("{\"a\": [1, 2, 3], \"b\": "
	    "{\"c\": \"d\"}}\n"), "application/json");
}

/* Only script that says so is JavaScript to libmagic. */
static void
test_mimesniff_javascript(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("\"use strict\";\nconst a = "
	    "require(\"fs\");\nmodule.exports = a;\n"),
	    "application/javascript");
	CU_ASSERT_STRING_EQUAL(sniff_str("#!/usr/bin/env node\n"
	    "console.log(\"hi\");\n"), "application/javascript");
	CU_ASSERT_STRING_EQUAL(sniff_str("function f(x) {\n  return x + 1;"
	    "\n}\nvar y = f(2);\n"), "text/plain");
}

static void
test_mimesniff_shell(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("#!/bin/sh\necho hi\n"),
	    "text/x-shellscript");
}

/* Not decompressed: the body is a gzip file, whatever is inside. */
static void
test_mimesniff_gzip(void)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
	    "\xcb\x48\xcd\xc9\xc9\xe7\x02\x00\x20\x30\x3a\x36\x06\x00\x00"
	    "\x00", 26);
	CU_ASSERT_STRING_EQUAL(sniff(26), "application/gzip");
}

static void
test_mimesniff_zip(void)
{
	unsigned char *p = buf;

	memset(buf, 0, sizeof(buf));
	put32le(p, 0x04034b50);			/* local file header */
	put16le(p + 4, 20);
	put32le(p + 18, 5);
	put32le(p + 22, 5);
	put16le(p + 26, 5);
	memcpy(p + 30, "a.txthello", 10);
	p += 40;
	put32le(p, 0x02014b50);			/* central directory */
	put16le(p + 4, 20);
	put16le(p + 6, 20);
	put32le(p + 20, 5);
	put32le(p + 24, 5);
	put16le(p + 28, 5);
	memcpy(p + 46, "a.txt", 5);
	p += 51;
	put32le(p, 0x06054b50);			/* end of central directory */
	put16le(p + 8, 1);
	put16le(p + 10, 1);
	put32le(p + 12, 51);
	put32le(p + 16, 40);
	CU_ASSERT_STRING_EQUAL(sniff(40 + 51 + 22), "application/zip");
}

static void
test_mimesniff_pdf(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
	    "1 0 obj\n<< /Type /Catalog >>\nendobj\n"), "application/pdf");
}

static void
test_mimesniff_mp4(void)
{
	memset(buf, 0, sizeof(buf));
	put32be(buf, 24);
	memcpy(buf + 4, "ftypisom", 8);
	put32be(buf + 12, 0x200);
	memcpy(buf + 16, "isomiso2", 8);
	put32be(buf + 24, 8);
	memcpy(buf + 28, "free", 4);
	CU_ASSERT_STRING_EQUAL(sniff(32), "video/mp4");
}

/* libmagic writes some types in capitals; they come out lowercased. */
static void
test_mimesniff_lowercased(void)
{
	CU_ASSERT_STRING_EQUAL(sniff_str("-----BEGIN PGP SIGNED MESSAGE-----\n"
	    "Hash: SHA256\n\nhello\n"), "text/pgp");
}

static void
test_mimesniff_out_truncated(void)
{
	char out[12];

	(void)sniff(0);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(mimesniff_buffer(magic, buf, pe(false), out,
	    sizeof(out), &err), 0);
	CU_ASSERT_STRING_EQUAL(out, "application");
	CU_ASSERT_EQUAL(mimesniff_buffer(magic, buf, 0, out, 1, &err), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

/* Bytes past MIMESNIFF_BYTES are not looked at. */
static void
test_mimesniff_only_first_bytes(void)
{
	size_t i;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < MIMESNIFF_BYTES; i++)
		buf[i] = (unsigned char)("hello world\n"[i % 12]);
	CU_ASSERT_STRING_EQUAL(sniff(sizeof(buf)), "text/plain");
	buf[MIMESNIFF_BYTES - 100] = 0;
	CU_ASSERT_STRING_EQUAL(sniff(sizeof(buf)),
	    "application/octet-stream");
}

static void
test_mimesniff_noise(void)
{
	uint32_t x = 2463534242u;
	size_t i, len;

	for (len = 1; len <= MIMESNIFF_BYTES; len *= 4) {
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		(void)sniff(len);
	}
}

/* The last test: the shared handle goes, so leak checkers stay quiet. */
static void
test_mimesniff_free(void)
{
	mimesniff_free(magic);
	magic = NULL;
}

/*
 * The cache answers the same bytes again without libmagic, and never
 * answers different bytes (even a one-byte change, or a prefix) from it.
 */
static void
test_mimesniff_cache(void)
{
	struct mimesniff *m = mimesniff_new(&err);
	uint64_t hits, misses;
	char a[128], b[128];
	static unsigned char elf[4096], png[4096];
	FILE *fp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fp = fopen("/bin/true", "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(fread(elf, 1, sizeof(elf), fp), sizeof(elf));
	fclose(fp);
	memcpy(png, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	CU_ASSERT_EQUAL(mimesniff_buffer(m, elf, sizeof(elf), a, sizeof(a),
	    &err), 0);
	CU_ASSERT_EQUAL(mimesniff_buffer(m, elf, sizeof(elf), b, sizeof(b),
	    &err), 0);
	CU_ASSERT_STRING_EQUAL(a, b);
	mimesniff_stats(m, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 1);
	CU_ASSERT_EQUAL(misses, 1);
	CU_ASSERT_EQUAL(mimesniff_buffer(m, png, sizeof(png), b, sizeof(b),
	    &err), 0);
	CU_ASSERT_STRING_EQUAL(b, "image/png");
	/* The ELF with its first byte changed is another buffer. */
	elf[0] = 'X';
	CU_ASSERT_EQUAL(mimesniff_buffer(m, elf, sizeof(elf), b, sizeof(b),
	    &err), 0);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	/* So is a prefix of the PNG. */
	CU_ASSERT_EQUAL(mimesniff_buffer(m, png, 100, b, sizeof(b), &err), 0);
	mimesniff_stats(m, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 1);
	CU_ASSERT_EQUAL(misses, 4);
	CU_ASSERT_EQUAL(mimesniff_buffer(m, png, sizeof(png), b, sizeof(b),
	    &err), 0);
	CU_ASSERT_STRING_EQUAL(b, "image/png");
	mimesniff_stats(m, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 2);
	mimesniff_free(m);
}

static CU_TestInfo cu_tests[] = {
	{ "cache", test_mimesniff_cache },
	{ "new", test_mimesniff_new },
	{ "empty", test_mimesniff_empty },
	{ "PE32", test_mimesniff_pe32 },
	{ "PE32+", test_mimesniff_pe32_plus },
	{ "MS-DOS", test_mimesniff_dos },
	{ "PE bad offset", test_mimesniff_pe_bad_offset },
	{ "ELF executable", test_mimesniff_elf_exec },
	{ "ELF shared object", test_mimesniff_elf_shared },
	{ "ELF object", test_mimesniff_elf_object },
	{ "ELF PIE", test_mimesniff_elf_pie },
	{ "Mach-O", test_mimesniff_macho },
	{ "Mach-O fat", test_mimesniff_macho_fat },
	{ "Java class", test_mimesniff_java_class },
	{ "MSI", test_mimesniff_msi },
	{ "MSI by application", test_mimesniff_msi_by_app },
	{ "MSI FAT not seen", test_mimesniff_msi_fat_not_seen },
	{ "PNG", test_mimesniff_png },
	{ "GIF", test_mimesniff_gif },
	{ "JPEG", test_mimesniff_jpeg },
	{ "HTML", test_mimesniff_html },
	{ "text", test_mimesniff_text },
	{ "JSON", test_mimesniff_json },
	{ "JavaScript", test_mimesniff_javascript },
	{ "shell", test_mimesniff_shell },
	{ "gzip", test_mimesniff_gzip },
	{ "zip", test_mimesniff_zip },
	{ "PDF", test_mimesniff_pdf },
	{ "MP4", test_mimesniff_mp4 },
	{ "lowercased", test_mimesniff_lowercased },
	{ "out truncated", test_mimesniff_out_truncated },
	{ "only first bytes", test_mimesniff_only_first_bytes },
	{ "noise", test_mimesniff_noise },
	{ "free", test_mimesniff_free },
	CU_TEST_INFO_NULL,
};

#define CU_SUITE_NAME	"mimesniff"
#include "cu_main.h"
