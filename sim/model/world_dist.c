/* The world over several processes (MPI ranks, sim/kernel/dist.h): every
 * process holds the whole scenario, every node's keys and the network, but
 * runs (and keeps the state of) only its own nodes. This file carries what
 * crosses processes: a message's payload packed into its real bytes and
 * rebuilt at the receiver (each distinct block is parsed once per process
 * and shared by its nodes, as in one process), the console lines and tip
 * samples gathered at process 0, and the scripted payments, which the
 * process of the paying wallet's node makes and the others receive. */
#include "world.h"

#include "dist.h"
#include "fileout.h"
#include "hmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int world_local(const world *s, uint32_t ni)
{
    return s->procs <= 1 || engine_is_local(s->eng, ni);
}

int world_voice(const world *s)
{
    if (s->procs <= 1)
        return 1;
    return s->voice == UINT32_MAX ? dist_rank() == 0 : world_local(s, s->voice);
}

/* ---- payloads ---------------------------------------------------------- */

/* Little helpers over a buffer that may be too small: writes only what fits,
 * always advances. */
static void put(unsigned char *buf, size_t cap, size_t *at, const void *p, size_t n)
{
    if (*at + n <= cap)
        memcpy(buf + *at, p, n);
    *at += n;
}

size_t world_pack(void *ctx, const engine_event *ev, unsigned char *buf, size_t cap)
{
    (void)ctx;
    const msg *m = ev->payload;
    size_t at = 0;
    uint8_t type = (uint8_t)m->type;
    put(buf, cap, &at, &type, 1);
    switch (m->type) {
    case MSG_BLOCK: {
        size_t n = block_size(m->blk);
        if (at + n <= cap)
            block_serialize(m->blk, buf + at, n);
        at += n;
        break;
    }
    case MSG_TX: {
        size_t n = tx_size(m->tx);
        if (at + n <= cap)
            tx_serialize(m->tx, buf + at, n);
        at += n;
        break;
    }
    case MSG_STATUS:
        put(buf, cap, &at, &m->tip, sizeof m->tip);
        put(buf, cap, &at, &m->height, sizeof m->height);
        put(buf, cap, &at, &m->work, sizeof m->work);
        break;
    case MSG_BFT: {
        uint32_t n = (uint32_t)m->data_len;
        uint8_t has_blk = m->blk != NULL;
        put(buf, cap, &at, &n, sizeof n);
        put(buf, cap, &at, m->data, n);
        put(buf, cap, &at, &has_blk, 1);
        if (has_blk) {
            size_t bn = block_size(m->blk);
            if (at + bn <= cap)
                block_serialize(m->blk, buf + at, bn);
            at += bn;
        }
        break;
    }
    default: {
        uint32_t n = (uint32_t)m->n_items;
        put(buf, cap, &at, &n, sizeof n);
        for (uint32_t i = 0; i < n; i++) {
            put(buf, cap, &at, &m->items[i].kind, sizeof m->items[i].kind);
            put(buf, cap, &at, &m->items[i].id, sizeof m->items[i].id);
        }
        break;
    }
    }
    return at;
}

/* The process's one copy of the block in buf (parsed the first time). */
static block *interned_block(world *s, const unsigned char *buf, size_t len)
{
    if (len < HEADER_BYTES)
        return NULL;
    block *b;
    if (block_parse(&b, buf, len) != 0)
        return NULL;
    block **have = hmap_get(s->interned, block_id(b));
    if (have != NULL) {
        block_unref(b);
        return block_ref(*have);
    }
    if (hmap_put(s->interned, block_id(b), &b) < 0) {
        block_unref(b);
        return NULL;
    }
    return block_ref(b); /* one reference stays with the table */
}

void world_dist_seed(const char *name, const unsigned char *buf, size_t len)
{
    const char *dir = getenv("CHAINSIM_PACK_SEEDS");
    char file[96], err[300];
    if (dir == NULL || dir[0] == '\0')
        return;
    snprintf(file, sizeof file, "%s-%u", name, dist_rank());
    char *path = fileout_join(dir, file);
    if (path != NULL && fileout_write(err, sizeof err, path, buf, len) != FILEOUT_OK)
        fprintf(stderr, "chainsim: CHAINSIM_PACK_SEEDS: %s\n", err);
    free(path);
}

int world_unpack(void *ctx, engine_event *ev, const unsigned char *buf, size_t len)
{
    world *s = ctx;
    msg *m = NULL;
    if (len < 1)
        return -1;
    if (buf[0] < MSG_TYPE_COUNT && !(s->seeded & 1u << buf[0])) {
        s->seeded |= 1u << buf[0];
        world_dist_seed(msg_type_name((msg_type)buf[0]), buf, len);
    }
    uint8_t type = buf[0];
    buf++;
    len--;
    switch (type) {
    case MSG_BLOCK: {
        block *b = interned_block(s, buf, len);
        if (b == NULL)
            return -1;
        m = msg_new_block(b);
        block_unref(b);
        break;
    }
    case MSG_TX: {
        tx *t;
        size_t used;
        if (tx_parse(&t, &used, buf, len) != 0)
            return -1;
        if (used == len)
            m = msg_new_tx(t);
        tx_unref(t);
        break;
    }
    case MSG_STATUS: {
        hash256 tip;
        uint64_t height;
        u256 work;
        if (len != sizeof tip + sizeof height + sizeof work)
            return -1;
        memcpy(&tip, buf, sizeof tip);
        memcpy(&height, buf + sizeof tip, sizeof height);
        memcpy(&work, buf + sizeof tip + sizeof height, sizeof work);
        m = msg_new_status(&tip, height, &work);
        break;
    }
    case MSG_BFT: {
        uint32_t n;
        if (len < sizeof n)
            return -1;
        memcpy(&n, buf, sizeof n);
        if (len - sizeof n < (size_t)n + 1)
            return -1;
        const unsigned char *data = buf + sizeof n;
        uint8_t has_blk = data[n];
        size_t rest = len - sizeof n - n - 1;
        block *b = NULL;
        if (has_blk > 1 || (has_blk == 0 && rest != 0))
            return -1;
        if (has_blk && (b = interned_block(s, data + n + 1, rest)) == NULL)
            return -1;
        m = msg_new_bft(data, n, b);
        block_unref(b);
        break;
    }
    case MSG_INV:
    case MSG_GETDATA:
    case MSG_GETBLOCKS:
    case MSG_NOTFOUND: {
        uint32_t n;
        const size_t one = sizeof(uint32_t) + sizeof(hash256);
        if (len < sizeof n)
            return -1;
        memcpy(&n, buf, sizeof n);
        if ((len - sizeof n) / one != n || (len - sizeof n) % one != 0)
            return -1;
        msg_item *items = malloc((n ? n : 1) * sizeof *items);
        if (items == NULL)
            return -1;
        for (uint32_t i = 0; i < n; i++) {
            memcpy(&items[i].kind, buf + sizeof n + i * one, sizeof items[i].kind);
            memcpy(&items[i].id, buf + sizeof n + i * one + sizeof(uint32_t), sizeof items[i].id);
        }
        m = msg_new_items((msg_type)type, items, n);
        free(items);
        break;
    }
    default:
        return -1;
    }
    if (m == NULL)
        return -1;
    ev->payload = m;
    return 0;
}

int world_dist_setup(world *s)
{
    if (s->procs <= 1)
        return 0;
    return hmap_new(&s->interned, sizeof(hash256), sizeof(block *));
}

void world_dist_teardown(world *s)
{
    if (s->interned == NULL)
        return;
    size_t pos = 0;
    const void *key;
    void *val;
    while (hmap_next(s->interned, &pos, &key, &val))
        block_unref(*(block **)val);
    hmap_free(s->interned);
    s->interned = NULL;
}

/* ---- console lines and samples ---------------------------------------- */

/* One line on the wire: time, node, sequence, text length, then the text. */
typedef struct wire_line {
    int64_t time_ns;
    uint32_t ni, seq, len;
} wire_line;

int world_gather_lines(world *s, world_line **out, size_t *n_out)
{
    size_t bytes = 0;
    for (uint32_t i = 0; i <= s->n; i++)
        for (size_t k = 0; k < s->nodes[i].n_lines; k++)
            bytes += sizeof(wire_line) + strlen(s->nodes[i].lines[k].text);
    unsigned char *mine = malloc(bytes ? bytes : 1), *all = NULL;
    size_t *lens = NULL, at = 0;
    if (mine == NULL)
        abort();
    for (uint32_t i = 0; i <= s->n; i++) {
        world_node *sn = &s->nodes[i];
        for (size_t k = 0; k < sn->n_lines; k++) {
            wire_line w = {sn->lines[k].time_ns, sn->lines[k].ni, sn->lines[k].seq,
                           (uint32_t)strlen(sn->lines[k].text)};
            memcpy(mine + at, &w, sizeof w);
            memcpy(mine + at + sizeof w, sn->lines[k].text, w.len);
            at += sizeof w + w.len;
            free(sn->lines[k].text);
        }
        sn->n_lines = 0;
    }
    int rc = dist_gather(&all, &lens, mine, bytes);
    free(mine);
    *out = NULL;
    *n_out = 0;
    if (rc != 0)
        abort();
    if (all == NULL)
        return 0;
    size_t total = 0;
    for (uint32_t p = 0; p < dist_size(); p++)
        total += lens[p];
    size_t cap = 0;
    for (at = 0; at < total;) {
        wire_line w;
        memcpy(&w, all + at, sizeof w);
        if (*n_out == cap) {
            cap = cap ? cap * 2 : 64;
            world_line *v = realloc(*out, cap * sizeof *v);
            if (v == NULL)
                abort();
            *out = v;
        }
        char *text = malloc((size_t)w.len + 1);
        if (text == NULL)
            abort();
        memcpy(text, all + at + sizeof w, w.len);
        text[w.len] = '\0';
        (*out)[(*n_out)++] = (world_line){w.time_ns, w.ni, w.seq, text};
        at += sizeof w + w.len;
    }
    free(all);
    free(lens);
    return 1;
}

/* ---- scripted payments ------------------------------------------------- */

tx *world_share_tx(tx *t, uint32_t root)
{
    if (dist_size() <= 1)
        return t ? tx_ref(t) : NULL;
    uint64_t len = t && dist_rank() == root ? tx_size(t) : 0;
    dist_bcast(&len, sizeof len, root);
    if (len == 0)
        return NULL;
    if (dist_rank() == root) {
        unsigned char *buf = malloc(len);
        if (buf == NULL)
            abort();
        tx_serialize(t, buf, len);
        dist_bcast(buf, len, root);
        free(buf);
        return tx_ref(t);
    }
    unsigned char *buf = malloc(len);
    if (buf == NULL)
        abort();
    dist_bcast(buf, len, root);
    tx *copy;
    size_t used;
    if (tx_parse(&copy, &used, buf, len) != 0 || used != len)
        abort(); /* bytes tx_serialize wrote */
    free(buf);
    return copy;
}

/* Submits t at node ni where ni runs (as world_submit), and tells the
 * process of the paying wallet (root) whether the node took it: if not, the
 * wallet's coins are free again there, as in one process. */
static void submit_at(world *s, engine_call *call, uint32_t ni, uint32_t w, uint32_t root, tx *t,
                      tx *root_t)
{
    int64_t now = engine_call_now(call);
    int32_t taken = 0;
    if (world_local(s, ni)) {
        world_node *sn = &s->nodes[ni];
        engine_call_act_as(call, ni);
        metrics_tx_submitted(sn->mn, now, tx_id(t));
        taken = sn->online && node_submit_tx(sn->n, &sn->fx, now, t) == REASON_OK;
    }
    dist_bcast(&taken, sizeof taken, engine_proc_of(s->eng, ni));
    if (!taken && dist_rank() == root)
        wallet_release(s->ws, w, root_t);
    if (world_local(s, ni))
        world_apply(s, call, ni);
}

void world_dist_tx(world *s, engine_call *call, const scenario_event *ev)
{
    int64_t now = engine_call_now(call);
    uint32_t host = wallet_host(s->ws, ev->from);
    uint32_t root = engine_proc_of(s->eng, host);
    int32_t st = -1; /* -1: the wallet's node is not up */
    tx *ta = NULL, *tb = NULL;
    if (dist_rank() == root && s->nodes[host].n != NULL) {
        const chain *view = node_chain(s->nodes[host].n);
        if (ev->type == SCENARIO_EV_TX)
            st = (int32_t)wallet_pay(s->ws, &ta, ev->from, view, wallet_public(s->ws, ev->to[0]),
                                     ev->amount, s->scn.workload.fee, now);
        else
            st = (int32_t)wallet_pay_twice(
                s->ws, &ta, &tb, ev->from, view, wallet_public(s->ws, ev->to[0]),
                wallet_public(s->ws, ev->to[1]), ev->amount, s->scn.workload.fee, now);
    }
    dist_bcast(&st, sizeof st, root);
    const char *what = ev->type == SCENARIO_EV_TX ? "tx" : "double spend";
    if (st == -1) {
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "tx from wallet %u refused: its node is not up", ev->from + 1);
        return;
    }
    if (st != WALLET_OK) {
        world_say(s, world_global_lines(s), UINT32_MAX, now, "%s from wallet %u refused: %s", what,
                  ev->from + 1, wallet_status_message((wallet_status)st));
        return;
    }
    tx *ca = world_share_tx(ta, root),
       *cb = ev->type == SCENARIO_EV_TX ? NULL : world_share_tx(tb, root);
    char a[17], b[17];
    world_short_id(a, tx_id(ca));
    if (ev->type == SCENARIO_EV_TX) {
        submit_at(s, call, ev->node, ev->from, root, ca, ta);
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "tx %s: wallet %u pays %" PRIu64 " to wallet %u at node %u", a, ev->from + 1,
                  ev->amount, ev->to[0] + 1, ev->node + 1);
    } else {
        world_short_id(b, tx_id(cb));
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "double spend: wallet %u pays the same coins as tx %s to wallet %u at node %u "
                  "and as tx %s to wallet %u at node %u",
                  ev->from + 1, a, ev->to[0] + 1, ev->nodes[0] + 1, b, ev->to[1] + 1,
                  ev->nodes[1] + 1);
        submit_at(s, call, ev->nodes[0], ev->from, root, ca, ta);
        submit_at(s, call, ev->nodes[1], ev->from, root, cb, tb);
    }
    tx_unref(ca);
    tx_unref(cb);
    tx_unref(ta);
    tx_unref(tb);
}
