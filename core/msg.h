/* Peer-to-peer protocol messages, as Bitcoin's: inv (ids) -> getdata ->
 * block/tx, status (tip, height, work) on connect and heal, getblocks with a
 * block locator to catch up, notfound. A message is immutable once built and
 * reference counted (atomic), so one broadcast is one allocation however
 * many peers receive it. Sizes are the real serialized sizes, Bitcoin's
 * 24-byte message header included, so bandwidth sees true bytes. */
#ifndef CHAINSIM_MSG_H
#define CHAINSIM_MSG_H

#include "block.h"
#include "hash.h"
#include "tx.h"
#include "u256.h"

#include <stddef.h>
#include <stdint.h>

/* Bitcoin's message header: magic, command, length, checksum. */
#define MSG_HEADER_BYTES 24
/* Most ids in one inv, getdata or locator (Bitcoin's MAX_INV_SZ is 50000;
 * a getblocks answer carries at most 500 ids, as in Bitcoin). */
#define MSG_MAX_ITEMS 50000
#define MSG_GETBLOCKS_MAX_ANSWER 500

#define MSG_TYPE_MAP(X)                                                                            \
    X(MSG_INV, "inv")                                                                              \
    X(MSG_GETDATA, "getdata")                                                                      \
    X(MSG_BLOCK, "block")                                                                          \
    X(MSG_TX, "tx")                                                                                \
    X(MSG_STATUS, "status")                                                                        \
    X(MSG_GETBLOCKS, "getblocks")                                                                  \
    X(MSG_NOTFOUND, "notfound")                                                                    \
    X(MSG_BFT, "bft")

#define MSG_ENUM(code, name) code,
typedef enum msg_type { MSG_TYPE_MAP(MSG_ENUM) MSG_TYPE_COUNT } msg_type;
#undef MSG_ENUM

/* What an inventory id names. */
typedef enum msg_item_kind { MSG_ITEM_TX = 1, MSG_ITEM_BLOCK = 2 } msg_item_kind;

typedef struct msg_item {
    uint32_t kind; /* msg_item_kind */
    hash256 id;
} msg_item;

typedef struct msg {
    msg_type type;
    size_t size_bytes; /* serialized size, message header included */
    /* MSG_INV, MSG_GETDATA, MSG_NOTFOUND: items; MSG_GETBLOCKS: the locator
     * (kind MSG_ITEM_BLOCK), newest first. */
    size_t n_items;
    msg_item *items;
    block *blk; /* MSG_BLOCK: one reference held by the message */
    tx *tx;     /* MSG_TX: one reference held by the message */
    /* MSG_STATUS: the sender's active tip. */
    hash256 tip;
    uint64_t height;
    u256 work;
    /* MSG_BFT: a BFT protocol message's bytes (core/consensus_bft.c), owned
     * by the message, with blk when it carries a block. */
    uint8_t *data;
    size_t data_len;
} msg;

/* Constructors: each returns a message with one reference (release with
 * msg_unref), or NULL when out of memory or n exceeds MSG_MAX_ITEMS. items
 * are copied; blk and t gain a reference. */
msg *msg_new_items(msg_type type, const msg_item *items, size_t n);
msg *msg_new_block(block *blk);
msg *msg_new_tx(tx *t);
msg *msg_new_status(const hash256 *tip, uint64_t height, const u256 *work);
/* A MSG_BFT message: len bytes of data copied, blk (may be NULL) gains a
 * reference. Its size is the header, the data and the block's bytes. */
msg *msg_new_bft(const uint8_t *data, size_t len, block *blk);

/* Adds a reference and returns m. Thread-safe. */
msg *msg_ref(msg *m);

/* Drops a reference; frees m (and its block/tx reference) when it was the
 * last. Accepts NULL. Thread-safe. */
void msg_unref(msg *m);

/* The command name of a type ("inv", ...), a static string. */
const char *msg_type_name(msg_type type);

#endif
