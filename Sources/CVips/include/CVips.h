// CVips: the few libvips calls rscript's thumbnails need, as plain non-variadic C functions.
//
// libvips is loaded with dlopen("libvips.so.42") at the first call, never linked: linking it
// would make every `rscript` start (even `rscript run hello.lua`) load glib, gobject, pango,
// fontconfig and the image codecs, which costs milliseconds that scripts pay for nothing. Only
// `rscript serve` makes thumbnails, so only it pays. No libvips header is needed to build either.
//
// Images are opaque `rs_vips_image` handles (a VipsImage); release each with rs_vips_unref.
// Every function that can fail returns 0 on success, or -1 with a reason in `err` (at most
// `errlen` bytes, NUL-terminated). All are thread-safe (libvips is), callable from any thread;
// libvips keeps one error buffer per process, so when two threads fail at the same instant one
// reason may carry both messages and the other "unknown libvips error".
#ifndef RSCRIPT_CVIPS_H
#define RSCRIPT_CVIPS_H

#include <stddef.h>

typedef struct rs_vips_image rs_vips_image;

/// Loads and initialises libvips once (later calls return the first call's result):
/// `$RSCRIPT_LIBVIPS` if set, else libvips.so.42.
int rs_vips_load(char *err, size_t errlen);

/// A thumbnail of the image file at `path`, fitting a `size` x `size` box (long side `size`,
/// aspect kept, small images scaled up), converted to 8-bit sRGB (3 bands, or 4 with alpha).
int rs_vips_thumbnail(const char *path, int size, rs_vips_image **out, char *err, size_t errlen);

/// The image encoded in `bytes` (any format libvips reads), decoded into memory so `bytes` may
/// be freed as soon as this returns.
int rs_vips_decode(const void *bytes, size_t len, rs_vips_image **out, char *err, size_t errlen);

/// A mid-grey `width` x `height` sRGB image with `text` (may be NULL) drawn in its centre. A
/// text that cannot be drawn (no fonts) leaves the image plain.
int rs_vips_placeholder(int width, int height, const char *text, rs_vips_image **out,
                        char *err, size_t errlen);

/// A contact-sheet cell: `image` flattened onto the sheet's background, centred in a
/// `width` x `height` box, with `label` drawn in a strip `label_height` high below it.
int rs_vips_cell(rs_vips_image *image, int width, int height, int label_height, const char *label,
                 rs_vips_image **out, char *err, size_t errlen);

/// `count` images of one size tiled left to right, top to bottom, `across` per row, `gap`
/// pixels apart, on the sheet's background.
int rs_vips_grid(rs_vips_image *const *images, int count, int across, int gap,
                 rs_vips_image **out, char *err, size_t errlen);

/// The image encoded as PNG; *out is freed with rs_vips_free.
int rs_vips_png(rs_vips_image *image, void **out, size_t *len, char *err, size_t errlen);

int rs_vips_width(const rs_vips_image *image);
int rs_vips_height(const rs_vips_image *image);
void rs_vips_unref(rs_vips_image *image);
void rs_vips_free(void *buffer);

#endif
