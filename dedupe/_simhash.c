/* Compiled hot paths of dedupe.fingerprint (text -> 64-bit simhash in one pass), of
 * dedupe.passages (text -> passage samples) and of dedupe.normalise (folding runs, stripping glosses).
 *
 * Same features and hash as the numpy path (dedupe/fingerprint.py): the
 * alphanumeric code points of the text (str.isalnum, i.e. regex [^\W_]),
 * character n-grams, h = fold(h * 1000003 + c), splitmix64; each distinct
 * hash votes once per bit. tests/test_dedupe_fingerprint.py checks that both
 * paths and the simhash package agree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Rolling polynomial over n-grams of code points: h_i = sum c_{i+j} P^(n-1-j), finished with splitmix64;
 * the same values as dedupe.fingerprint.shingle_hashes_of_codes. */
typedef struct {
    const uint32_t *codes;
    int n;
    uint64_t top, rolling;
} Roller;

static inline void roller_start(Roller *r, const uint32_t *codes, int n) {
    r->codes = codes;
    r->n = n;
    r->top = 1;
    for (int j = 1; j < n; j++) r->top *= 1000003ULL;
    r->rolling = 0;
    for (int j = 0; j < n - 1; j++) r->rolling = r->rolling * 1000003ULL + codes[j];
}

/* The hash of the n-gram at i; call with i = 0, 1, 2, ... in turn (adds the newest term, drops the oldest). */
static inline uint64_t roller_next(Roller *r, Py_ssize_t i) {
    r->rolling = r->rolling * 1000003ULL + r->codes[i + r->n - 1];
    uint64_t h = splitmix64(r->rolling);
    r->rolling -= (uint64_t)r->codes[i] * r->top;
    return h;
}

/* Letters and digits, the simhash's features (str.isalnum). */
static inline int alphanumeric(Py_UCS4 ch) {
    /* Fast paths for the common cases; the Unicode database decides the rest. */
    if (ch < 128) return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    if (ch >= 0x4E00 && ch <= 0x9FEF) return 1; /* CJK Unified Ideographs: all letters (Lo) */
    return Py_UNICODE_ISALNUM(ch);
}

/* The code points of ``text`` that ``keep`` accepts, in a new buffer (NULL and MemoryError when out of memory). */
static uint32_t *collect(PyObject *text, int (*keep)(Py_UCS4), Py_ssize_t *kept) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint32_t *codes = (uint32_t *)malloc(sizeof(uint32_t) * (length + 1));
    if (!codes) {
        PyErr_NoMemory();
        return NULL;
    }
    *kept = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (keep(ch)) codes[(*kept)++] = (uint32_t)ch;
    }
    return codes;
}

static PyObject *simhash_text(PyObject *self, PyObject *args) {
    PyObject *text;
    int n;
    if (!PyArg_ParseTuple(args, "Ui", &text, &n)) return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n-gram size must be >= 1");
        return NULL;
    }
    Py_ssize_t kept;
    uint32_t *codes = collect(text, alphanumeric, &kept);
    if (!codes) return NULL;
    if (kept == 0) {
        free(codes);
        return Py_BuildValue("(KKn)", (unsigned long long)0, (unsigned long long)0, (Py_ssize_t)0);
    }
    if (n > kept) n = (int)kept;
    Py_ssize_t count = kept - n + 1;
    /* Open-addressing set of the hashes seen so far; 0 marks an empty slot. */
    size_t capacity = 64;
    while (capacity < (size_t)count * 2) capacity <<= 1;
    uint64_t *slots = (uint64_t *)calloc(capacity, sizeof(uint64_t));
    uint32_t histogram[8][256];
    memset(histogram, 0, sizeof(histogram));
    if (!slots) {
        free(codes);
        return PyErr_NoMemory();
    }
    int has_zero = 0;
    uint64_t distinct = 0;
    Roller roller;
    roller_start(&roller, codes, n);
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t h = roller_next(&roller, i);
        if (h == 0) {
            if (has_zero) continue;
            has_zero = 1;
        } else {
            size_t at = (size_t)(h ^ (h >> 32)) & (capacity - 1);
            int seen = 0;
            while (slots[at]) {
                if (slots[at] == h) { seen = 1; break; }
                at = (at + 1) & (capacity - 1);
            }
            if (seen) continue;
            slots[at] = h;
        }
        distinct++;
        for (int b = 0; b < 8; b++) histogram[b][(h >> (8 * b)) & 0xFF]++;
    }
    free(slots);
    free(codes);
    uint64_t value = 0;
    for (int b = 0; b < 8; b++) {
        for (int bit = 0; bit < 8; bit++) {
            uint64_t set = 0;
            for (int v = 0; v < 256; v++)
                if (v & (1 << bit)) set += histogram[b][v];
            if (set * 2 > distinct) value |= 1ULL << (8 * b + bit);
        }
    }
    return Py_BuildValue("(KKn)", (unsigned long long)value, (unsigned long long)distinct, kept);
}

/* The comparable characters of dedupe.passages: Han ideographs (extension A, unified, compatibility,
 * extensions B on) and ASCII digits. */
static inline int comparable(Py_UCS4 ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 0x3400 && ch < 0x4DC0) || (ch >= 0x4E00 && ch < 0xA000) ||
           (ch >= 0xF900 && ch < 0xFB00) || (ch >= 0x20000 && ch < 0x32000);
}

/* passage_samples(text, gram, rate) -> bytes: the picked gram hashes (>> 1) as little-endian uint64,
 * in text order, repeats included (the caller sorts and deduplicates): same values as
 * dedupe.passages.passage_samples(comparable_codes(text), gram, rate). */
static PyObject *passage_samples(PyObject *self, PyObject *args) {
    PyObject *text;
    int n;
    unsigned long long rate;
    if (!PyArg_ParseTuple(args, "UiK", &text, &n, &rate)) return NULL;
    if (n < 1 || rate < 1) {
        PyErr_SetString(PyExc_ValueError, "gram and rate must be >= 1");
        return NULL;
    }
    Py_ssize_t kept;
    uint32_t *codes = collect(text, comparable, &kept);
    if (!codes) return NULL;
    if (kept < n) {
        free(codes);
        return PyBytes_FromStringAndSize(NULL, 0);
    }
    Py_ssize_t count = kept - n + 1;
    uint64_t *picked = (uint64_t *)malloc(sizeof(uint64_t) * (count / rate + 64));
    size_t room = (size_t)(count / rate + 64), found = 0;
    if (!picked) {
        free(codes);
        return PyErr_NoMemory();
    }
    Roller roller;
    roller_start(&roller, codes, n);
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t h = roller_next(&roller, i);
        if (h % rate) continue;
        if (found == room) {
            room *= 2;
            uint64_t *grown = (uint64_t *)realloc(picked, sizeof(uint64_t) * room);
            if (!grown) {
                free(picked);
                free(codes);
                return PyErr_NoMemory();
            }
            picked = grown;
        }
        picked[found++] = h >> 1;
    }
    free(codes);
    PyObject *out = PyBytes_FromStringAndSize((const char *)picked, (Py_ssize_t)(found * sizeof(uint64_t)));
    free(picked);
    return out;
}

/* dedupe.normalise's run folding in one pass (its regex path does the same in two):
 * a maximal run of 20 or more [a-z] (latin pinyin with no spaces) goes, a maximal run of two or
 * more marks of ,.。、;；:：!！?？ keeps its first, and a run of spaces, tabs, no-break and ideographic
 * spaces becomes one space. */
static inline int is_space(Py_UCS4 c) { return c == ' ' || c == '\t' || c == 0xA0 || c == 0x3000; }

static inline int is_mark(Py_UCS4 c) {
    switch (c) {
    case ',': case '.': case 0x3002: case 0x3001: case ';': case 0xFF1B: case ':': case 0xFF1A:
    case '!': case 0xFF01: case '?': case 0xFF1F:
        return 1;
    default:
        return 0;
    }
}

static PyObject *fold_runs(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *out = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(Py_UCS4));
    if (out == NULL) return PyErr_NoMemory();
    Py_ssize_t w = 0, i = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 'a' && c <= 'z') {
            Py_ssize_t j = i;
            while (j < n) {
                Py_UCS4 d = PyUnicode_READ(kind, data, j);
                if (d < 'a' || d > 'z') break;
                j++;
            }
            if (j - i < 20)
                for (Py_ssize_t k = i; k < j; k++) out[w++] = PyUnicode_READ(kind, data, k);
            i = j;
        } else if (is_mark(c)) {
            out[w++] = c;
            i++;
            while (i < n && is_mark(PyUnicode_READ(kind, data, i))) i++;
        } else if (is_space(c)) {
            out[w++] = ' ';
            i++;
            while (i < n && is_space(PyUnicode_READ(kind, data, i))) i++;
            /* a pinyin run between two spaces leaves them adjacent: fold them as the regex path's later pass does */
        } else {
            out[w++] = c;
            i++;
        }
        if (w >= 2 && out[w - 1] == ' ' && out[w - 2] == ' ') w--;
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, w);
    PyMem_Free(out);
    return result;
}

/* dedupe.normalise's gloss stripping (its regex path: _GLOSS and the drop rule of _strip_glosses).
 * At each '(': a run of [a-zü toned-vowels whitespace '] of 1 to 40 holding a toned vowel and closed by
 * ')' is a toned gloss; else a run of 1 to 7 [a-zü] closed by ')' is a toneless one, dropped only after a
 * Han character or right after another dropped gloss. A dropped gloss counts as an annotation unless the
 * character before it is traditional (a broken conversion's repair): t2s[c] != c. */
static const Py_UCS4 TONED[] = {0x101, 0xE1, 0x1CE, 0xE0, 0x113, 0xE9, 0x11B, 0xE8, 0x12B, 0xED, 0x1D0, 0xEC,
                                0x14D, 0xF3, 0x1D2, 0xF2, 0x16B, 0xFA, 0x1D4, 0xF9, 0x1D6, 0x1D8, 0x1DA, 0x1DC};

static inline int is_toned(Py_UCS4 c) {
    for (size_t k = 0; k < sizeof(TONED) / sizeof(TONED[0]); k++)
        if (TONED[k] == c) return 1;
    return 0;
}

static inline int is_plain_letter(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || c == 0xFC; }

static inline int is_han(Py_UCS4 c) { return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF); }

/* A pass over ``text`` with a uint32 code point table: the text's characters, the table, and an output
 * buffer of at least ``cap`` characters. ``table_pass_begin`` returns 0 (an exception set, the table
 * released) when the buffer cannot be had; ``table_pass_end`` releases both. */
typedef struct {
    Py_buffer table;
    const uint32_t *map;
    Py_ssize_t table_size, n, cap;
    int kind;
    const void *data;
    Py_UCS4 *out;
} TablePass;

static int table_pass_begin(TablePass *p, PyObject *text) {
    p->map = p->table.buf;
    p->table_size = p->table.len / (Py_ssize_t)sizeof(uint32_t);
    p->n = PyUnicode_GET_LENGTH(text);
    p->cap = p->n > 0 ? p->n : 1;
    p->kind = PyUnicode_KIND(text);
    p->data = PyUnicode_DATA(text);
    p->out = PyMem_Malloc((size_t)p->cap * sizeof(Py_UCS4));
    if (p->out == NULL) {
        PyBuffer_Release(&p->table);
        PyErr_NoMemory();
        return 0;
    }
    return 1;
}

static void table_pass_end(TablePass *p) {
    PyBuffer_Release(&p->table);
    PyMem_Free(p->out);
}

static PyObject *strip_glosses(PyObject *self, PyObject *args) {
    PyObject *text;
    TablePass p;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &p.table) || !table_pass_begin(&p, text)) return NULL;
    const uint32_t *t2s = p.map;
    Py_ssize_t table_size = p.table_size, n = p.n;
    int kind = p.kind;
    const void *data = p.data;
    Py_UCS4 *out = p.out;
    Py_ssize_t w = 0, i = 0, dropped_until = -1;
    long annotations = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t end = -1;  /* one past the gloss's ')' */
        int toneless = 0;
        if (c == '(') {
            Py_ssize_t j = i + 1;
            int toned = 0;
            while (j < n) {
                Py_UCS4 d = PyUnicode_READ(kind, data, j);
                if (is_toned(d)) toned = 1;
                else if (!(is_plain_letter(d) || d == '\'' || Py_UNICODE_ISSPACE(d))) break;
                j++;
            }
            if (toned && j - i - 1 >= 1 && j - i - 1 <= 40 && j < n && PyUnicode_READ(kind, data, j) == ')') {
                end = j + 1;
            } else {
                j = i + 1;
                while (j < n && is_plain_letter(PyUnicode_READ(kind, data, j))) j++;
                if (j - i - 1 >= 1 && j - i - 1 <= 7 && j < n && PyUnicode_READ(kind, data, j) == ')') {
                    end = j + 1;
                    toneless = 1;
                }
            }
        }
        if (end < 0) {
            out[w++] = c;
            i++;
            continue;
        }
        int has_before = i > 0;
        Py_UCS4 before = has_before ? PyUnicode_READ(kind, data, i - 1) : 0;
        if (toneless && i != dropped_until && !(has_before && is_han(before))) {
            for (Py_ssize_t k = i; k < end; k++) out[w++] = PyUnicode_READ(kind, data, k);  /* (app), (AI) stay */
        } else {
            dropped_until = end;
            int traditional = has_before && before < (Py_UCS4)table_size && t2s[before] != before;
            if (!has_before || before == ')' || !traditional) annotations++;
        }
        i = end;
    }
    PyObject *stripped = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, w);
    table_pass_end(&p);
    if (stripped == NULL) return NULL;
    return Py_BuildValue("(Nl)", stripped, annotations);
}

/* dedupe.normalise.nfkc's table path: each BMP character through ``table`` (uint32: its NFKC code point,
 * SEVERAL for an expansion looked up in ``several``, SLOW where only unicodedata can decide); astral
 * characters kept when they are stable ideographs. Returns None where the caller must use unicodedata. */
#define NFKC_SLOW 0xFFFFFFFFu
#define NFKC_SEVERAL 0xFFFFFFFEu

static inline int stable_astral(Py_UCS4 c) {
    return c >= 0x20000 && c < 0x32000 && !(c >= 0x2F800 && c < 0x2FA20);
}

static PyObject *map_nfkc(PyObject *self, PyObject *args) {
    PyObject *text, *several;
    TablePass p;
    if (!PyArg_ParseTuple(args, "Uy*O!", &text, &p.table, &PyDict_Type, &several) || !table_pass_begin(&p, text))
        return NULL;
    Py_ssize_t n = p.n, w = 0;
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(p.kind, p.data, i);
        uint32_t m = c < (Py_UCS4)p.table_size ? p.map[c] : (stable_astral(c) ? c : NFKC_SLOW);
        if (m == NFKC_SLOW) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        if (m != NFKC_SEVERAL) {
            p.out[w++] = m;
            continue;
        }
        PyObject *key = PyUnicode_FromOrdinal((int)c);
        if (key == NULL) goto done;
        PyObject *expansion = PyDict_GetItemWithError(several, key);  /* borrowed */
        Py_DECREF(key);
        if (expansion == NULL || !PyUnicode_Check(expansion)) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyError, "an expansion is missing from the table");
            goto done;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(expansion);
        if (w + len + (n - i) > p.cap) {
            Py_ssize_t grown = (w + len + (n - i)) * 2;
            Py_UCS4 *bigger = PyMem_Realloc(p.out, (size_t)grown * sizeof(Py_UCS4));
            if (bigger == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            p.out = bigger;
            p.cap = grown;
        }
        for (Py_ssize_t k = 0; k < len; k++) p.out[w++] = PyUnicode_READ_CHAR(expansion, k);
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, p.out, w);
done:
    table_pass_end(&p);
    return result;
}

/* dedupe.normalise._simplify: (text with each character through the uint32 table ``t2s``, characters changed). */
static PyObject *map_codes(PyObject *self, PyObject *args) {
    PyObject *text;
    TablePass p;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &p.table) || !table_pass_begin(&p, text)) return NULL;
    Py_ssize_t changed = 0;
    for (Py_ssize_t i = 0; i < p.n; i++) {
        Py_UCS4 c = PyUnicode_READ(p.kind, p.data, i);
        Py_UCS4 m = c < (Py_UCS4)p.table_size ? p.map[c] : c;
        changed += m != c;
        p.out[i] = m;
    }
    PyObject *mapped = changed ? PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, p.out, p.n) : Py_NewRef(text);
    table_pass_end(&p);
    if (mapped == NULL) return NULL;
    return Py_BuildValue("(Nn)", mapped, changed);
}

static PyMethodDef methods[] = {
    {"simhash_text", simhash_text, METH_VARARGS, "simhash_text(text, n) -> (simhash, distinct n-grams, letters and digits kept)"},
    {"passage_samples", passage_samples, METH_VARARGS, "passage_samples(text, gram, rate) -> bytes of uint64 sample hashes"},
    {"strip_glosses", strip_glosses, METH_VARARGS, "strip_glosses(text, t2s table) -> (text without pinyin glosses, annotations)"},
    {"map_nfkc", map_nfkc, METH_VARARGS, "map_nfkc(text, table, several) -> NFKC text by table, or None where unicodedata must decide"},
    {"map_codes", map_codes, METH_VARARGS, "map_codes(text, table) -> (text through the code point table, characters changed)"},
    {"fold_runs", fold_runs, METH_VARARGS, "fold_runs(text) -> text without pinyin runs, with one mark per punctuation run and one space per space run"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_simhash", "Compiled simhash hot path.", -1, methods};

PyMODINIT_FUNC PyInit__simhash(void) { return PyModule_Create(&module); }
