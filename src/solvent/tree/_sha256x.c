/* Batched SHA-256 and HMAC-SHA256 over OpenSSL's libcrypto: the tree builder's hot path.
 *
 * Python entry points (called by solvent.tree.native, which checks dtypes and shapes and
 * splits a batch across threads; this file checks every length and offset itself, before
 * hashing, so that no caller can make it read or write outside a buffer):
 *
 *   sha256_rows(src, width, dst)
 *       dst[32 i : 32 i + 32] = SHA-256(src[width i : width (i + 1)])    for i < len(dst) / 32
 *   hmac_lp(keys, prefix, data, offsets, dst[, base])
 *       dst[32 i : ...] = HMAC-SHA256(key_i, prefix || u32be(len_i) || data[off_i : off_i+1])
 *       with offsets a native-endian int64 buffer of m + 1 entries, and keys either one
 *       32-byte key shared by every row or m * 32 bytes of per-row keys; base (default 0)
 *       only shifts the indices that error messages report
 *   openssl_version() -> str
 *
 * Why this shape:
 *
 * - Plain CPython C API with the buffer protocol, not cffi: NumPy arrays and bytes are
 *   read in place (no copy, contiguity enforced by PyBUF_C_CONTIGUOUS), the GIL is
 *   released around each whole batch, and the build needs nothing beyond setuptools and a
 *   C compiler (cffi's API mode would add a build requirement and a run-time import).
 *
 * - OpenSSL's low-level SHA256_Init/Update/Final rather than EVP.  OpenSSL 3 deprecates
 *   them, and we silence that warning deliberately (OPENSSL_SUPPRESS_DEPRECATED below):
 *   they are still exported by libcrypto 3, they run the same assembly (SHA-NI where the
 *   CPU has it), and they skip EVP's per-message provider dispatch, which dominates at
 *   our message sizes.  Measured on the project's 2-core machine with
 *   benchmarks/sha256_interfaces.c (one thread; figures in docs/benchmarks.md), the
 *   low-level calls hash 113- and 225-byte messages 1.3-1.6x faster than EVP with one
 *   reused context and 1.6-2.3x faster than one-shot EVP_Digest, and HMAC from copied
 *   SHA256_CTX pad states is 1.8x faster than from copied EVP_MD_CTX states and more
 *   than 10x faster than one-shot HMAC().  Calling SHA256_Transform on hand-padded blocks was
 *   slower than letting SHA256_Final pad, so Final does the padding.
 *
 * - HMAC (RFC 2104) is computed from precomputed states: H(K ^ opad || H(K ^ ipad || m)).
 *   The states after absorbing the 64-byte K ^ ipad and K ^ opad blocks are computed
 *   once for a shared key (and, since the prefix is shared too, the inner state also
 *   absorbs the prefix once), and once per row for per-row keys, then copied per message.
 *   Keys are exactly 32 bytes (spec §3 (Hashed client ids)), so they are zero-padded to the 64-byte block and
 *   never need hashing first.
 *
 * - Safe with the GIL released: lengths of the caller's buffers cannot change while we
 *   hold their exports, but their contents can (another Python thread runs meanwhile).
 *   So the offsets, the only contents that steer a read, are copied first, the copy is
 *   checked, and only the copy is used; a change to keys, prefix or data mid-batch can
 *   change digests but never where we read or write.
 *
 * - Key-derived state (the K ^ ipad / K ^ opad blocks, the SHA-256 contexts that absorbed
 *   them, inner digests) never outlives a call: OPENSSL_cleanse wipes it, which the
 *   compiler cannot elide as a dead store.  The digests written to dst are the caller's.
 *
 * - A buffer the caller hands over that cannot be read (or written) the way we need is
 *   refused with a ValueError naming the argument, chained from the object's own error.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <stdint.h>
#include <string.h>

#define DIGEST 32
#define KEY 32
#define BLOCK 64

/* ------------------------------------------------------------------ hashing (no GIL) */

static void
rows_run(const unsigned char *src, Py_ssize_t width, Py_ssize_t m, unsigned char *dst)
{
    for (Py_ssize_t i = 0; i < m; i++) {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, src + i * width, (size_t)width);
        SHA256_Final(dst + i * DIGEST, &c);
    }
}

/* The SHA-256 states after absorbing K ^ ipad and K ^ opad. */
static void
pad_states(const unsigned char *key, SHA256_CTX *inner, SHA256_CTX *outer)
{
    unsigned char block[BLOCK];
    memset(block + KEY, 0x36, BLOCK - KEY);
    for (int j = 0; j < KEY; j++) {
        block[j] = key[j] ^ 0x36;
    }
    SHA256_Init(inner);
    SHA256_Update(inner, block, BLOCK);
    memset(block + KEY, 0x5c, BLOCK - KEY);
    for (int j = 0; j < KEY; j++) {
        block[j] = key[j] ^ 0x5c;
    }
    SHA256_Init(outer);
    SHA256_Update(outer, block, BLOCK);
    OPENSSL_cleanse(block, sizeof block);
}

/* Every piece of key-derived state one hmac_run call creates: the pad states, the working
 * inner and outer contexts and the inner digest.  They live in one struct, reused for every
 * row, so that a single OPENSSL_cleanse at the end wipes all of it (a per-row wipe would
 * cost a call per message on the hot path for the same result). */
struct hmac_state {
    SHA256_CTX inner0;  /* K ^ ipad (and, for a shared key, the prefix) absorbed */
    SHA256_CTX outer0;  /* K ^ opad absorbed */
    SHA256_CTX inner;   /* the current row's inner hash */
    SHA256_CTX outer;   /* the current row's outer hash */
    unsigned char digest[DIGEST];  /* the current row's inner digest */
};

/* Finish one HMAC from an inner state that has absorbed K ^ ipad and the prefix. */
static void
hmac_finish(struct hmac_state *s, const unsigned char *piece, uint32_t len, unsigned char *out)
{
    unsigned char be[4] = {
        (unsigned char)(len >> 24), (unsigned char)(len >> 16),
        (unsigned char)(len >> 8), (unsigned char)len,
    };
    SHA256_Update(&s->inner, be, sizeof be);
    SHA256_Update(&s->inner, piece, len);
    SHA256_Final(s->digest, &s->inner);
    s->outer = s->outer0;
    SHA256_Update(&s->outer, s->digest, DIGEST);
    SHA256_Final(out, &s->outer);
}

/* Called without the GIL: reads only buffers whose sizes the caller has checked, and
 * offsets from the caller's private, already-validated copy. */
static void
hmac_run(const unsigned char *keys, int per_row, const unsigned char *prefix,
         Py_ssize_t prefix_len, const unsigned char *data, const int64_t *offsets,
         Py_ssize_t m, unsigned char *dst)
{
    struct hmac_state s;
    if (!per_row) {
        pad_states(keys, &s.inner0, &s.outer0);
        SHA256_Update(&s.inner0, prefix, (size_t)prefix_len);
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        const int64_t lo = offsets[i];
        const uint32_t len = (uint32_t)(offsets[i + 1] - lo);
        if (per_row) {
            pad_states(keys + i * KEY, &s.inner, &s.outer0);
            SHA256_Update(&s.inner, prefix, (size_t)prefix_len);
        }
        else {
            s.inner = s.inner0;
        }
        hmac_finish(&s, data + lo, len, dst + i * DIGEST);
    }
    OPENSSL_cleanse(&s, sizeof s);
}

/* ------------------------------------------------------------------ argument checks */

/* A buffer request failed: raise "<what> must be ..." with the object's own answer (its
 * type and message: read-only, not contiguous, not a buffer at all) kept as __cause__ and
 * repeated in the message.  Only the exceptions that mean "this object cannot be that
 * buffer" are wrapped; anything else (MemoryError, KeyboardInterrupt, ...) propagates
 * unchanged. */
static void
buffer_refused(const char *what, const char *need)
{
    PyObject *type, *value, *tb;
    if (!PyErr_ExceptionMatches(PyExc_BufferError) && !PyErr_ExceptionMatches(PyExc_TypeError)
        && !PyErr_ExceptionMatches(PyExc_ValueError)) {
        return;
    }
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    PyErr_Format(PyExc_ValueError, "%s must be %s (%S)", what, need, value);
    PyObject *ntype, *nvalue, *ntb;
    PyErr_Fetch(&ntype, &nvalue, &ntb);
    PyErr_NormalizeException(&ntype, &nvalue, &ntb);
    if (nvalue != NULL && PyExceptionInstance_Check(nvalue)) {
        PyException_SetContext(nvalue, Py_NewRef(value));
        PyException_SetCause(nvalue, value); /* steals the reference to value */
        value = NULL;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Restore(ntype, nvalue, ntb);
}

static int
get_read(PyObject *obj, Py_buffer *view, const char *what)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) {
        buffer_refused(what, "a C-contiguous buffer");
        return -1;
    }
    return 0;
}

static int
get_write(PyObject *obj, Py_buffer *view)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) {
        buffer_refused("dst", "a writable C-contiguous buffer");
        return -1;
    }
    if (view->len % DIGEST != 0) {
        PyErr_Format(PyExc_ValueError, "dst has %zd bytes, not a multiple of 32", view->len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Offsets must start at or after 0, never decrease, end inside data, and leave each
 * piece short enough for its u32be length prefix.  `offs` is the extension's own copy
 * (see py_hmac_lp), so what is checked here is exactly what is hashed.  `base` is the
 * index of offs[0] in the caller's whole batch (a thread gets a slice), so that messages
 * name the real entry. */
static int
check_offsets(const int64_t *offs, Py_ssize_t m, Py_ssize_t data_len, Py_ssize_t base)
{
    int64_t prev = offs[0];
    if (prev < 0 || prev > data_len) {
        PyErr_Format(PyExc_ValueError, "offsets[%zd] = %lld is outside the data (0..%zd)", base,
                     (long long)prev, data_len);
        return -1;
    }
    for (Py_ssize_t i = 1; i <= m; i++) {
        const int64_t cur = offs[i];
        if (cur < prev) {
            PyErr_Format(PyExc_ValueError, "offsets decrease at index %zd (%lld < %lld)", base + i,
                         (long long)cur, (long long)prev);
            return -1;
        }
        if (cur > data_len) {
            PyErr_Format(PyExc_ValueError, "offsets[%zd] = %lld is past the end of the data (%zd bytes)",
                         base + i, (long long)cur, data_len);
            return -1;
        }
        if (cur - prev > (int64_t)UINT32_MAX) {
            PyErr_Format(PyExc_ValueError, "piece %zd is longer than 2^32 - 1 bytes (its length prefix is a u32)",
                         base + i - 1);
            return -1;
        }
        prev = cur;
    }
    return 0;
}

/* ------------------------------------------------------------------ Python functions */

static PyObject *
py_sha256_rows(PyObject *self, PyObject *args)
{
    PyObject *src_obj, *dst_obj;
    Py_ssize_t width;
    Py_buffer src, dst;
    if (!PyArg_ParseTuple(args, "OnO:sha256_rows", &src_obj, &width, &dst_obj)) {
        return NULL;
    }
    if (width < 0) {
        PyErr_SetString(PyExc_ValueError, "width must be >= 0");
        return NULL;
    }
    if (get_read(src_obj, &src, "src") < 0) {
        return NULL;
    }
    if (get_write(dst_obj, &dst) < 0) {
        PyBuffer_Release(&src);
        return NULL;
    }
    const Py_ssize_t m = dst.len / DIGEST;
    if ((width > 0 && m > PY_SSIZE_T_MAX / width) || src.len != m * width) {
        PyErr_Format(PyExc_ValueError, "src has %zd bytes, not %zd rows of %zd", src.len, m, width);
        PyBuffer_Release(&src);
        PyBuffer_Release(&dst);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rows_run((const unsigned char *)src.buf, width, m, (unsigned char *)dst.buf);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    Py_RETURN_NONE;
}

static PyObject *
py_hmac_lp(PyObject *self, PyObject *args)
{
    PyObject *objs[5];
    Py_buffer keys, prefix, data, offsets, dst;
    Py_buffer *views[5] = {&keys, &prefix, &data, &offsets, &dst};
    static const char *names[4] = {"keys", "prefix", "data", "offsets"};
    int got = 0, per_row = 0;
    Py_ssize_t m = 0, base = 0;
    int64_t *copy = NULL;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOO|n:hmac_lp", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &base)) {
        return NULL;
    }
    for (; got < 4; got++) {
        if (get_read(objs[got], views[got], names[got]) < 0) {
            goto done;
        }
    }
    if (get_write(objs[4], &dst) < 0) {
        goto done;
    }
    got = 5;
    m = dst.len / DIGEST;
    if (offsets.len != (m + 1) * 8) {
        PyErr_Format(PyExc_ValueError, "offsets has %zd bytes, not %zd int64 entries (rows + 1)",
                     offsets.len, m + 1);
        goto done;
    }
    if (keys.len == KEY) {
        per_row = 0; /* one row with a per-row key is the same thing as a shared key */
    }
    else if (keys.len == m * KEY) {
        per_row = 1;
    }
    else {
        PyErr_Format(PyExc_ValueError, "keys has %zd bytes: need 32 (shared) or 32 * %zd (per row)",
                     keys.len, m);
        goto done;
    }
    /* Copy the offsets into memory no one else can reach, then check and use only the
     * copy.  The caller's buffer stays writable by other threads while the GIL is released
     * below: were the hashing loop to read it, a value changed after the check could send
     * it outside `data`.  The copy is also aligned, whatever the caller's buffer is; it
     * costs 8 bytes per row against the ~1 us that row's HMAC takes. */
    copy = PyMem_Malloc((size_t)offsets.len);
    if (copy == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(copy, offsets.buf, (size_t)offsets.len);
    if (check_offsets(copy, m, data.len, base) < 0) {
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    hmac_run((const unsigned char *)keys.buf, per_row, (const unsigned char *)prefix.buf, prefix.len,
             (const unsigned char *)data.buf, copy, m, (unsigned char *)dst.buf);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(copy);
    for (int i = 0; i < got; i++) {
        PyBuffer_Release(views[i]);
    }
    return result;
}

static PyObject *
py_openssl_version(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString(OpenSSL_version(OPENSSL_VERSION));
}

static PyMethodDef methods[] = {
    {"sha256_rows", py_sha256_rows, METH_VARARGS,
     "sha256_rows(src, width, dst): SHA-256 of each width-byte row of src into dst (32 bytes per row)."},
    {"hmac_lp", py_hmac_lp, METH_VARARGS,
     "hmac_lp(keys, prefix, data, offsets, dst, base=0): HMAC-SHA256(key_i, prefix || u32be(len_i) || piece_i)."},
    {"openssl_version", py_openssl_version, METH_NOARGS, "The libcrypto version string in use."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_sha256x",
    .m_doc = "Batched SHA-256 and HMAC-SHA256 over OpenSSL's libcrypto (see solvent.tree.native).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__sha256x(void)
{
    return PyModule_Create(&module);
}
