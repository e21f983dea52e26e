/* Protocol messages. The payload sizes follow Bitcoin's wire format: an inv
 * entry is 4 bytes of type and a 32-byte hash; getblocks carries a protocol
 * version, a locator and a stop hash; status is our version message's tip
 * part (id, height as u64, work as 32 bytes). */
#include "msg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct msg_box {
    msg m; /* first, so a msg pointer is the box pointer */
    atomic_uint refs;
    msg_item inline_items[]; /* the items of a message with few (one allocation) */
} msg_box;

/* Up to this many items live in the message's own allocation (almost every
 * inv and getdata has one). */
#define MSG_INLINE_ITEMS 4

#define MSG_NAME(code, name) [code] = name,
static const char *const msg_names[] = {MSG_TYPE_MAP(MSG_NAME)};
#undef MSG_NAME

const char *msg_type_name(msg_type type)
{
    return (unsigned)type < MSG_TYPE_COUNT ? msg_names[type] : "unknown";
}

/* Freed boxes of the usual size (every message with at most
 * MSG_INLINE_ITEMS items) wait on a list of the freeing thread, so that the
 * next message built there takes one without going to the allocator: a run
 * builds and frees about one box per delivery. A box may be built on one
 * thread and freed on another; each list belongs to one thread. */
#define MSG_CACHE_MAX 256
#define MSG_BOX_BYTES (sizeof(msg_box) + MSG_INLINE_ITEMS * sizeof(msg_item))

typedef struct msg_cache {
    msg_box *boxes[MSG_CACHE_MAX];
    unsigned n;
} msg_cache;

static _Thread_local msg_cache cache;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* At a thread's exit, its list goes back to the allocator. */
static void cache_drain(void *arg)
{
    msg_cache *c = arg;
    while (c->n > 0)
        free(c->boxes[--c->n]);
}

static void cache_key_new(void)
{
    if (pthread_key_create(&cache_key, cache_drain) != 0)
        abort();
}

static msg *box_new(msg_type type, size_t n_inline)
{
    msg_box *box;
    (void)n_inline; /* <= MSG_INLINE_ITEMS: every box has room for them */
    if (cache.n > 0) {
        box = cache.boxes[--cache.n];
        memset(box, 0, MSG_BOX_BYTES);
    } else if ((box = calloc(1, MSG_BOX_BYTES)) == NULL) {
        return NULL;
    }
    box->m.type = type;
    atomic_init(&box->refs, 1);
    return &box->m;
}

static void box_free(msg_box *box)
{
    if (cache.n == 0) { /* (again) holding boxes: drain them at the thread's exit */
        pthread_once(&cache_once, cache_key_new);
        if (pthread_getspecific(cache_key) == NULL && pthread_setspecific(cache_key, &cache) != 0) {
            free(box);
            return;
        }
    }
    if (cache.n < MSG_CACHE_MAX)
        cache.boxes[cache.n++] = box;
    else
        free(box);
}

msg *msg_new_items(msg_type type, const msg_item *items, size_t n)
{
    if (n > MSG_MAX_ITEMS)
        return NULL;
    size_t n_inline = n <= MSG_INLINE_ITEMS ? n : 0;
    msg *m = box_new(type, n_inline);
    if (m == NULL)
        return NULL;
    if (n_inline > 0) {
        m->items = ((msg_box *)m)->inline_items;
        memcpy(m->items, items, n * sizeof *items);
    } else if (n > 0) {
        m->items = malloc(n * sizeof *items);
        if (m->items == NULL) {
            msg_unref(m);
            return NULL;
        }
        memcpy(m->items, items, n * sizeof *items);
    }
    m->n_items = n;
    if (type == MSG_GETBLOCKS) /* version, locator, stop hash */
        m->size_bytes = MSG_HEADER_BYTES + 4 + tx_varint_size(n) + 32 * n + 32;
    else
        m->size_bytes = MSG_HEADER_BYTES + tx_varint_size(n) + 36 * n;
    return m;
}

msg *msg_new_block(block *blk)
{
    msg *m = box_new(MSG_BLOCK, 0);
    if (m == NULL)
        return NULL;
    m->blk = block_ref(blk);
    m->size_bytes = MSG_HEADER_BYTES + block_size(blk);
    return m;
}

msg *msg_new_tx(tx *t)
{
    msg *m = box_new(MSG_TX, 0);
    if (m == NULL)
        return NULL;
    m->tx = tx_ref(t);
    m->size_bytes = MSG_HEADER_BYTES + tx_size(t);
    return m;
}

msg *msg_new_status(const hash256 *tip, uint64_t height, const u256 *work)
{
    msg *m = box_new(MSG_STATUS, 0);
    if (m == NULL)
        return NULL;
    m->tip = *tip;
    m->height = height;
    m->work = *work;
    m->size_bytes = MSG_HEADER_BYTES + 32 + 8 + 32;
    return m;
}

msg *msg_new_bft(const uint8_t *data, size_t len, block *blk)
{
    msg *m = box_new(MSG_BFT, 0);
    if (m == NULL)
        return NULL;
    m->data = malloc(len ? len : 1);
    if (m->data == NULL) {
        msg_unref(m);
        return NULL;
    }
    memcpy(m->data, data, len);
    m->data_len = len;
    m->blk = blk != NULL ? block_ref(blk) : NULL;
    m->size_bytes = MSG_HEADER_BYTES + len + (blk != NULL ? block_size(blk) : 0);
    return m;
}

msg *msg_ref(msg *m)
{
    atomic_fetch_add_explicit(&((msg_box *)m)->refs, 1, memory_order_relaxed);
    return m;
}

void msg_unref(msg *m)
{
    if (m == NULL)
        return;
    msg_box *box = (msg_box *)m;
    if (atomic_fetch_sub_explicit(&box->refs, 1, memory_order_acq_rel) != 1)
        return;
    block_unref(m->blk);
    tx_unref(m->tx);
    free(m->data);
    if (m->items != box->inline_items)
        free(m->items);
    box_free(box);
}
