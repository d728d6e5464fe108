// See include/CVips.h for why libvips is loaded with dlopen rather than linked.
#include "CVips.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The libvips ABI this file relies on (libvips.so.42, the 8.x series), restated here so that
// building rscript needs no libvips or glib headers. Values from vips/image.h, conversion.h,
// foreign.h (fail_on needs libvips 8.12; Debian 12 has 8.14).
enum {
    INTERPRETATION_sRGB = 22,
    FORMAT_UCHAR = 0,
    EXTEND_BACKGROUND = 5,
    DIRECTION_VERTICAL = 1,
    FAIL_ON_TRUNCATED = 1,
};
typedef struct VipsImage VipsImage;
typedef struct VipsArrayDouble VipsArrayDouble;

// Sheet colours (0-255, every band alike): the background, and a frame number drawn on it.
static const double sheet_background = 32, label_colour = 220;
// The placeholder's grey and the darker grey of its text.
static const double placeholder_grey = 128, placeholder_text = 64;

static struct {
    int (*init)(const char *argv0);
    void (*cache_set_max)(int max);
    char *(*error_buffer_copy)(void);
    void (*error_clear)(void);
    void (*g_free)(void *p);
    void (*g_object_unref)(void *object);
    int (*image_get_width)(const VipsImage *image);
    int (*image_get_height)(const VipsImage *image);
    int (*image_get_bands)(const VipsImage *image);
    int (*image_get_format)(const VipsImage *image);
    VipsImage *(*image_new_from_buffer)(const void *buf, size_t len, const char *options, ...);
    VipsImage *(*image_copy_memory)(VipsImage *image);
    VipsArrayDouble *(*array_double_new)(const double *array, int n);
    void (*area_unref)(void *area);
    // The variadic operations: optional arguments as name/value pairs ending with NULL.
    int (*thumbnail)(const char *filename, VipsImage **out, int width, ...);
    int (*colourspace)(VipsImage *in, VipsImage **out, int space, ...);
    int (*cast)(VipsImage *in, VipsImage **out, int format, ...);
    int (*black)(VipsImage **out, int width, int height, ...);
    int (*linear1)(VipsImage *in, VipsImage **out, double a, double b, ...);
    int (*text)(VipsImage **out, const char *text, ...);
    int (*embed)(VipsImage *in, VipsImage **out, int x, int y, int width, int height, ...);
    int (*flatten)(VipsImage *in, VipsImage **out, ...);
    int (*join)(VipsImage *in1, VipsImage *in2, VipsImage **out, int direction, ...);
    int (*bandjoin)(VipsImage **in, VipsImage **out, int n, ...);
    int (*arrayjoin)(VipsImage **in, VipsImage **out, int n, ...);
    int (*pngsave_buffer)(VipsImage *in, void **buf, size_t *len, ...);
} vips;

// libvips's warnings ("error in tile 0 x 104") would go to stderr as GLib prints them, in the
// middle of `rscript serve`'s log; the failures they precede come back through the error
// buffer as each call's reason, which the caller logs its own way.
static void ignore_warning(const char *domain, int level, const char *message, void *data) {
    (void)domain, (void)level, (void)message, (void)data;
}

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];  // empty when libvips loaded

static void load(void) {
    // RSCRIPT_LIBVIPS names another build (or, in tests, a missing one).
    const char *library = getenv("RSCRIPT_LIBVIPS");
    if (!library || !*library) library = "libvips.so.42";
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "%s (Debian: apt-get install libvips42)", dlerror());
        return;
    }
    // dlsym on the handle also searches libvips's own dependencies (glib, gobject).
#define SYM(field, name)                                                                  \
    if (!(*(void **)&vips.field = dlsym(handle, name))) {                                 \
        snprintf(load_error, sizeof load_error, "%s has no %s: %s", library, name, dlerror()); \
        return;                                                                           \
    }
    SYM(init, "vips_init")
    SYM(cache_set_max, "vips_cache_set_max")
    SYM(error_buffer_copy, "vips_error_buffer_copy")
    SYM(error_clear, "vips_error_clear")
    SYM(g_free, "g_free")
    SYM(g_object_unref, "g_object_unref")
    SYM(image_get_width, "vips_image_get_width")
    SYM(image_get_height, "vips_image_get_height")
    SYM(image_get_bands, "vips_image_get_bands")
    SYM(image_get_format, "vips_image_get_format")
    SYM(image_new_from_buffer, "vips_image_new_from_buffer")
    SYM(image_copy_memory, "vips_image_copy_memory")
    SYM(array_double_new, "vips_array_double_new")
    SYM(area_unref, "vips_area_unref")
    SYM(thumbnail, "vips_thumbnail")
    SYM(colourspace, "vips_colourspace")
    SYM(cast, "vips_cast")
    SYM(black, "vips_black")
    SYM(linear1, "vips_linear1")
    SYM(text, "vips_text")
    SYM(embed, "vips_embed")
    SYM(flatten, "vips_flatten")
    SYM(join, "vips_join")
    SYM(bandjoin, "vips_bandjoin")
    SYM(arrayjoin, "vips_arrayjoin")
    SYM(pngsave_buffer, "vips_pngsave_buffer")
#undef SYM
    if (vips.init("rscript") != 0) {
        char *message = vips.error_buffer_copy();
        snprintf(load_error, sizeof load_error, "vips_init failed: %s", message ? message : "");
        vips.g_free(message);
        return;
    }
    unsigned (*log_set_handler)(const char *, int, void (*)(const char *, int, const char *, void *), void *);
    *(void **)&log_set_handler = dlsym(handle, "g_log_set_handler");
    if (log_set_handler) log_set_handler("VIPS", 1 << 4 /* G_LOG_LEVEL_WARNING */, ignore_warning, NULL);
    // No operation cache: it keys file loads on the file name, so an image rewritten in place
    // (a re-rendered frame) could come back stale. Our own cache keys on the modification time.
    vips.cache_set_max(0);
}

int rs_vips_load(char *err, size_t errlen) {
    pthread_once(&load_once, load);
    if (load_error[0] == '\0') return 0;
    snprintf(err, errlen, "libvips could not be loaded: %s", load_error);
    return -1;
}

// Copies (and clears) libvips's error buffer into `err`, after `what` failed (NULL: the
// message names it already). Returns -1.
static int fail(const char *what, char *err, size_t errlen) {
    char *message = vips.error_buffer_copy();
    size_t n = message ? strlen(message) : 0;
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' ')) message[--n] = '\0';
    snprintf(err, errlen, "%s%s%s", what ? what : "", what ? ": " : "", n ? message : "unknown libvips error");
    vips.g_free(message);
    return -1;
}

static void unref(VipsImage *image) {
    if (image) vips.g_object_unref(image);
}

// Replaces *image by `next` (the result of an operation on it).
static void step(VipsImage **image, VipsImage *next) {
    unref(*image);
    *image = next;
}

#define LOADED()                                          \
    do {                                                  \
        if (rs_vips_load(err, errlen) != 0) return -1;    \
    } while (0)

int rs_vips_thumbnail(const char *path, int size, rs_vips_image **out, char *err, size_t errlen) {
    LOADED();
    VipsImage *image = NULL, *next = NULL;
    // A truncated file (a frame still being written) fails, rather than giving a half-grey
    // thumbnail that would be cached; once written, its new mtime and length are a new key.
    if (vips.thumbnail(path, &image, size, "height", size, "fail_on", FAIL_ON_TRUNCATED, NULL) != 0)
        return fail(NULL, err, errlen);
    // Thumbnail exports most images to sRGB already; 16-bit, grey and float (OpenEXR, scRGB)
    // ones still need converting to the 8-bit sRGB a PNG thumbnail holds.
    if (vips.colourspace(image, &next, INTERPRETATION_sRGB, NULL) != 0) {
        unref(image);
        return fail(NULL, err, errlen);
    }
    step(&image, next);
    if (vips.image_get_format(image) != FORMAT_UCHAR) {
        if (vips.cast(image, &next, FORMAT_UCHAR, NULL) != 0) {
            unref(image);
            return fail(NULL, err, errlen);
        }
        step(&image, next);
    }
    *out = (rs_vips_image *)image;
    return 0;
}

int rs_vips_decode(const void *bytes, size_t len, rs_vips_image **out, char *err, size_t errlen) {
    LOADED();
    // new_from_buffer reads `bytes` lazily; copy_memory decodes now, so they can go.
    VipsImage *image = vips.image_new_from_buffer(bytes, len, "", NULL);
    if (!image) return fail("decoding a thumbnail", err, errlen);
    VipsImage *decoded = vips.image_copy_memory(image);
    unref(image);
    if (!decoded) return fail("decoding a thumbnail", err, errlen);
    *out = (rs_vips_image *)decoded;
    return 0;
}

// A 1-band mask of `text` (white on black) centred in `width` x `height`, mapped to `ink` on
// `paper`, as 3 bands of uchar. An empty or undrawable text gives plain paper.
static int lettered(int width, int height, const char *text, int font_px, double paper, double ink,
                    VipsImage **out, char *err, size_t errlen) {
    VipsImage *mask = NULL, *next = NULL;
    if (text && *text) {
        char font[32];
        snprintf(font, sizeof font, "sans %d", font_px > 1 ? font_px : 1);
        if (vips.text(&mask, text, "font", font, "width", width, NULL) == 0 &&
            vips.image_get_width(mask) <= width && vips.image_get_height(mask) <= height) {
            int x = (width - vips.image_get_width(mask)) / 2, y = (height - vips.image_get_height(mask)) / 2;
            if (vips.embed(mask, &next, x, y, width, height, NULL) == 0) {
                step(&mask, next);
            } else {
                step(&mask, NULL);
            }
        } else {
            step(&mask, NULL);  // no fonts, or too big: leave the text out
        }
        vips.error_clear();  // a missing text is not the caller's error
    }
    if (!mask && vips.black(&mask, width, height, NULL) != 0) return fail("vips_black", err, errlen);
    if (vips.linear1(mask, &next, (ink - paper) / 255.0, paper, NULL) != 0) {
        unref(mask);
        return fail("vips_linear", err, errlen);
    }
    step(&mask, next);
    if (vips.cast(mask, &next, FORMAT_UCHAR, NULL) != 0) {
        unref(mask);
        return fail("vips_cast", err, errlen);
    }
    step(&mask, next);
    VipsImage *bands[3] = {mask, mask, mask};
    int status = vips.bandjoin(bands, out, 3, NULL);
    unref(mask);
    return status == 0 ? 0 : fail("vips_bandjoin", err, errlen);
}

int rs_vips_placeholder(int width, int height, const char *text, rs_vips_image **out,
                        char *err, size_t errlen) {
    LOADED();
    int short_side = width < height ? width : height;
    return lettered(width, height, text, short_side / 10, placeholder_grey, placeholder_text,
                    (VipsImage **)out, err, errlen);
}

// A VipsArrayDouble of `value` for 3 bands, for the "background" options; unref with area_unref.
static VipsArrayDouble *grey(double value) {
    const double bands[3] = {value, value, value};
    return vips.array_double_new(bands, 3);
}

int rs_vips_cell(rs_vips_image *image, int width, int height, int label_height, const char *label,
                 rs_vips_image **out, char *err, size_t errlen) {
    LOADED();
    VipsImage *tile = NULL, *next = NULL, *strip = NULL;
    VipsArrayDouble *background = grey(sheet_background);
    int bands = vips.image_get_bands((VipsImage *)image);
    // Every cell ends as 3 bands of uchar: arrayjoin needs them all alike.
    if (bands == 2 || bands == 4) {
        if (vips.flatten((VipsImage *)image, &tile, "background", background, NULL) != 0) goto failed;
        if (vips.cast(tile, &next, FORMAT_UCHAR, NULL) != 0) goto failed;
        step(&tile, next);
    } else if (vips.cast((VipsImage *)image, &tile, FORMAT_UCHAR, NULL) != 0) {
        goto failed;
    }
    if (vips.image_get_bands(tile) == 1) {
        VipsImage *grey_bands[3] = {tile, tile, tile};
        if (vips.bandjoin(grey_bands, &next, 3, NULL) != 0) goto failed;
        step(&tile, next);
    }
    int x = (width - vips.image_get_width(tile)) / 2, y = (height - vips.image_get_height(tile)) / 2;
    if (vips.embed(tile, &next, x, y, width, height, "extend", EXTEND_BACKGROUND, "background", background,
                   NULL) != 0)
        goto failed;
    step(&tile, next);
    if (label_height > 0) {
        if (lettered(width, label_height, label, label_height * 7 / 10, sheet_background, label_colour, &strip,
                     err, errlen) != 0) {
            unref(tile);
            vips.area_unref(background);
            return -1;
        }
        if (vips.join(tile, strip, &next, DIRECTION_VERTICAL, NULL) != 0) goto failed;
        step(&tile, next);
        step(&strip, NULL);
    }
    vips.area_unref(background);
    *out = (rs_vips_image *)tile;
    return 0;
failed:
    unref(tile);
    unref(strip);
    vips.area_unref(background);
    return fail("contact sheet cell", err, errlen);
}

int rs_vips_grid(rs_vips_image *const *images, int count, int across, int gap,
                 rs_vips_image **out, char *err, size_t errlen) {
    LOADED();
    VipsArrayDouble *background = grey(sheet_background);
    int status = vips.arrayjoin((VipsImage **)images, (VipsImage **)out, count, "across", across, "shim", gap,
                                "background", background, NULL);
    vips.area_unref(background);
    return status == 0 ? 0 : fail("contact sheet", err, errlen);
}

int rs_vips_png(rs_vips_image *image, void **out, size_t *len, char *err, size_t errlen) {
    LOADED();
    if (vips.pngsave_buffer((VipsImage *)image, out, len, NULL) != 0) return fail("PNG encoding", err, errlen);
    return 0;
}

int rs_vips_width(const rs_vips_image *image) { return vips.image_get_width((const VipsImage *)image); }
int rs_vips_height(const rs_vips_image *image) { return vips.image_get_height((const VipsImage *)image); }
void rs_vips_unref(rs_vips_image *image) { unref((VipsImage *)image); }
void rs_vips_free(void *buffer) {
    if (buffer) vips.g_free(buffer);
}
