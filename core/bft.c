/* Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon,
 * Milosevic 2018) as a pure state machine. The paper's upon-rules are
 * checked after every event against the message log of the current height
 * (proposals and vote sets per round, this validator's own messages
 * included) until none fires; rules that change no state fire once per
 * round ("for the first time" flags). Rules are tried in one fixed order
 * (decide, skip round, the prevote rules, lock, nil precommit, timeouts),
 * so the same events in the same order always give the same actions. Line
 * numbers are the paper's: 11-21 StartRound, 22-27 and 28-33 prevote on a
 * proposal, 34-35 prevote timeout, 36-43 lock and valid value, 44-46
 * precommit nil, 47-48 precommit timeout, 49-54 decide, 55-56 skip to a
 * round with f+1 messages, 57-67 the three timeouts. */
#include "bft.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define BFT_MSG(code, msg) [code] = msg,
static const char *const messages[] = {BFT_STATUS_MAP(BFT_MSG)};
#undef BFT_MSG

const char *bft_status_message(bft_status status)
{
    if ((unsigned)status >= sizeof messages / sizeof messages[0])
        return "unknown status";
    return messages[status];
}

/* The message log of one round. */
typedef struct round_rec {
    int32_t round;
    size_t proposer;
    bftvote_set *prevotes;
    bftvote_set *precommits;
    int has_proposal;
    int proposal_valid;
    bftvote_proposal proposal;
    uint8_t fired_prevote_timeout;   /* line 34 */
    uint8_t fired_lock;              /* line 36 */
    uint8_t fired_precommit_timeout; /* line 47 */
} round_rec;

struct bft {
    bft_config cfg;
    bftval_set *base; /* priorities whose last run chose round 0's proposer */
    bftval_set *walk; /* base advanced walk_round runs */
    int32_t walk_round;
    const keys_pair *self;
    int is_validator;
    uint32_t self_index;
    uint64_t height;
    int32_t round;
    bft_step step;
    int awaiting_value;
    int has_locked;
    hash256 locked_value;
    int32_t locked_round;
    int has_valid;
    hash256 valid_value;
    int32_t valid_round;
    round_rec *rounds;
    size_t n_rounds;
    size_t cap_rounds;
};

int64_t bft_timeout_ns(const bft_config *config, bft_timeout kind, int32_t round)
{
    int64_t base = kind == BFT_TIMEOUT_PROPOSE   ? config->timeout_propose_ns
                   : kind == BFT_TIMEOUT_PREVOTE ? config->timeout_prevote_ns
                                                 : config->timeout_precommit_ns;
    __int128 t = (__int128)base + (__int128)round * config->timeout_delta_ns;
    return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

void bft_actions_clear(bft_actions *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < out->n; i++)
        bftvote_cert_clear(&out->items[i].cert);
    free(out->items);
    memset(out, 0, sizeof *out);
}

static bft_action *push(bft_actions *out, bft_action_kind kind, uint64_t height, int32_t round)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 8;
        bft_action *items = realloc(out->items, cap * sizeof *items);
        if (items == NULL)
            return NULL;
        out->items = items;
        out->cap = cap;
    }
    bft_action *a = &out->items[out->n++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->height = height;
    a->round = round;
    return a;
}

static void free_rounds(bft *m)
{
    for (size_t i = 0; i < m->n_rounds; i++) {
        bftvote_set_free(m->rounds[i].prevotes);
        bftvote_set_free(m->rounds[i].precommits);
    }
    m->n_rounds = 0;
}

bft_status bft_new(bft **out, const bftval_set *vals, const keys_pair *self,
                   const bft_config *config, uint64_t height)
{
    *out = NULL;
    if (config->timeout_propose_ns <= 0 || config->timeout_prevote_ns <= 0 ||
        config->timeout_precommit_ns <= 0 || config->timeout_delta_ns < 0)
        return BFT_BAD_CONFIG;
    size_t index = 0;
    if (self != NULL && !bftval_index_of(vals, &index, keys_pair_public(self)))
        return BFT_NOT_A_VALIDATOR;
    bft *m = calloc(1, sizeof *m);
    if (m == NULL)
        return BFT_NO_MEMORY;
    m->base = bftval_set_copy(vals);
    if (m->base == NULL) {
        free(m);
        return BFT_NO_MEMORY;
    }
    m->cfg = *config;
    m->self = self;
    m->is_validator = self != NULL;
    m->self_index = (uint32_t)index;
    m->height = height;
    m->locked_round = -1;
    m->valid_round = -1;
    *out = m;
    return BFT_OK;
}

void bft_free(bft *m)
{
    if (m == NULL)
        return;
    free_rounds(m);
    free(m->rounds);
    bftval_set_free(m->base);
    bftval_set_free(m->walk);
    free(m);
}

size_t bft_proposer(bft *m, int32_t round)
{
    assert(round >= 0);
    if (m->walk == NULL || round < m->walk_round) {
        bftval_set_free(m->walk);
        m->walk = bftval_set_copy(m->base);
        m->walk_round = 0;
        if (m->walk == NULL)
            return SIZE_MAX;
    }
    while (m->walk_round < round) {
        (void)bftval_increment(m->walk);
        m->walk_round++;
    }
    return bftval_proposer(m->walk);
}

static round_rec *find_round(const bft *m, int32_t round)
{
    for (size_t i = 0; i < m->n_rounds; i++)
        if (m->rounds[i].round == round)
            return &m->rounds[i];
    return NULL;
}

/* The log of round, made on first use; NULL when memory runs out. May move
 * every round_rec: pointers to others do not survive it. */
static round_rec *get_round(bft *m, int32_t round)
{
    round_rec *r = find_round(m, round);
    if (r != NULL)
        return r;
    if (m->n_rounds == m->cap_rounds) {
        size_t cap = m->cap_rounds ? 2 * m->cap_rounds : 4;
        round_rec *rounds = realloc(m->rounds, cap * sizeof *rounds);
        if (rounds == NULL)
            return NULL;
        m->rounds = rounds;
        m->cap_rounds = cap;
    }
    size_t proposer = bft_proposer(m, round);
    if (proposer == SIZE_MAX)
        return NULL;
    r = &m->rounds[m->n_rounds];
    memset(r, 0, sizeof *r);
    r->round = round;
    r->proposer = proposer;
    r->prevotes = bftvote_set_new(m->base, m->height, round, BFTVOTE_PREVOTE);
    r->precommits = bftvote_set_new(m->base, m->height, round, BFTVOTE_PRECOMMIT);
    if (r->prevotes == NULL || r->precommits == NULL) {
        bftvote_set_free(r->prevotes);
        bftvote_set_free(r->precommits);
        return NULL;
    }
    m->n_rounds++;
    return r;
}

/* Signs and broadcasts this validator's vote, and logs it as received. */
static bft_status broadcast_vote(bft *m, bft_actions *out, bftvote_type type,
                                 const hash256 *block_id)
{
    if (!m->is_validator)
        return BFT_OK;
    round_rec *r = get_round(m, m->round);
    if (r == NULL)
        return BFT_NO_MEMORY;
    bftvote v;
    memset(&v, 0, sizeof v);
    v.type = (uint8_t)type;
    v.height = m->height;
    v.round = m->round;
    v.nil = block_id == NULL;
    if (block_id != NULL)
        v.block_id = *block_id;
    v.validator = m->self_index;
    if (bftvote_sign(&v, m->self) != 0)
        return BFT_SIGN_FAILED;
    bftvote_status s =
        bftvote_set_add(type == BFTVOTE_PREVOTE ? r->prevotes : r->precommits, NULL, &v);
    if (s == BFTVOTE_NO_MEMORY)
        return BFT_NO_MEMORY;
    /* The steps give one vote per round and type; a vote of this key seen
     * before this one (a restarted validator hearing its old self) is the
     * equivocation it is, and its peers will report it. */
    bft_action *a = push(out, BFT_ACT_VOTE, m->height, m->round);
    if (a == NULL)
        return BFT_NO_MEMORY;
    a->vote = v;
    return BFT_OK;
}

static bft_status schedule(bft *m, bft_actions *out, bft_timeout kind)
{
    bft_action *a = push(out, BFT_ACT_TIMEOUT, m->height, m->round);
    if (a == NULL)
        return BFT_NO_MEMORY;
    a->timeout = kind;
    a->delay_ns = bft_timeout_ns(&m->cfg, kind, m->round);
    return BFT_OK;
}

/* Line 19: broadcast <PROPOSAL, h, round, proposal, validRound>, logged
 * as received and valid (the value is this validator's own or was valid
 * when it became validValue). */
static bft_status propose(bft *m, bft_actions *out, const hash256 *block_id, int32_t valid_round)
{
    round_rec *r = get_round(m, m->round);
    if (r == NULL)
        return BFT_NO_MEMORY;
    bftvote_proposal p;
    memset(&p, 0, sizeof p);
    p.height = m->height;
    p.round = m->round;
    p.valid_round = valid_round;
    p.block_id = *block_id;
    if (bftvote_proposal_sign(&p, m->self) != 0)
        return BFT_SIGN_FAILED;
    r->has_proposal = 1;
    r->proposal_valid = 1;
    r->proposal = p;
    bft_action *a = push(out, BFT_ACT_PROPOSAL, m->height, m->round);
    if (a == NULL)
        return BFT_NO_MEMORY;
    a->proposal = p;
    return BFT_OK;
}

/* Lines 11-21: StartRound(round). */
static bft_status start_round(bft *m, bft_actions *out, int32_t round)
{
    m->round = round;
    m->step = BFT_STEP_PROPOSE;
    m->awaiting_value = 0;
    round_rec *r = get_round(m, round);
    if (r == NULL)
        return BFT_NO_MEMORY;
    if (m->is_validator && r->proposer == m->self_index) {
        if (m->has_valid) /* lines 15-16 */
            return propose(m, out, &m->valid_value, m->valid_round);
        m->awaiting_value = 1; /* line 18: getValue() */
        bft_action *a = push(out, BFT_ACT_GET_VALUE, m->height, round);
        return a == NULL ? BFT_NO_MEMORY : BFT_OK;
    }
    return schedule(m, out, BFT_TIMEOUT_PROPOSE); /* line 21 */
}

/* Lines 49-54: decide v, then a new height starts at round 0 with the lock
 * and valid value reset and an empty log. */
static bft_status decide(bft *m, bft_actions *out, round_rec *r)
{
    bft_action *a = push(out, BFT_ACT_COMMIT, m->height, r->round);
    if (a == NULL)
        return BFT_NO_MEMORY;
    a->block_id = r->proposal.block_id;
    bftvote_status s = bftvote_cert_from_set(&a->cert, r->precommits);
    if (s == BFTVOTE_NO_MEMORY)
        return BFT_NO_MEMORY;
    assert(s == BFTVOTE_OK);
    m->height++;
    m->has_locked = 0;
    m->locked_round = -1;
    memset(&m->locked_value, 0, sizeof m->locked_value);
    m->has_valid = 0;
    m->valid_round = -1;
    memset(&m->valid_value, 0, sizeof m->valid_value);
    free_rounds(m);
    (void)bftval_increment(m->base); /* one selection run per height */
    bftval_set_free(m->walk);
    m->walk = NULL;
    return start_round(m, out, 0);
}

/* Power of the distinct validators with any message in round r (line 55). */
static int64_t senders_power(const bft *m, const round_rec *r)
{
    int64_t power = 0;
    for (size_t i = 0; i < bftval_count(m->base); i++) {
        if (bftvote_set_get(r->prevotes, i) != NULL || bftvote_set_get(r->precommits, i) != NULL ||
            (r->has_proposal && r->proposer == i))
            power += bftval_power(m->base, i);
    }
    return power;
}

/* Tries the upon-rules in a fixed order; the first that fires runs. Sets
 * *fired to 1 when one did. */
static bft_status try_rules(bft *m, bft_actions *out, int *fired)
{
    *fired = 1;
    /* Lines 49-54: <PROPOSAL, h, r, v, *> from proposer(h, r) and 2f+1
     * <PRECOMMIT, h, r, id(v)>, in any round r, with valid(v). */
    for (size_t i = 0; i < m->n_rounds; i++) {
        round_rec *r = &m->rounds[i];
        if (r->has_proposal && r->proposal_valid &&
            bftvote_set_two_thirds_for(r->precommits, &r->proposal.block_id))
            return decide(m, out, r);
    }
    /* Lines 55-56: f+1 <*, h, round, *, *> with round > round_p: go to the
     * highest such round. */
    int32_t skip = -1;
    for (size_t i = 0; i < m->n_rounds; i++) {
        const round_rec *r = &m->rounds[i];
        if (r->round > m->round && r->round > skip &&
            bftval_one_third(m->base, senders_power(m, r)))
            skip = r->round;
    }
    if (skip >= 0)
        return start_round(m, out, skip);

    round_rec *cur = find_round(m, m->round);
    if (cur == NULL) {
        *fired = 0;
        return BFT_OK;
    }
    const bftvote_proposal *p = cur->has_proposal ? &cur->proposal : NULL;
    if (p != NULL && m->step == BFT_STEP_PROPOSE && p->valid_round == -1) {
        /* Lines 22-27: a fresh proposal: prevote it when valid and not
         * locked on something else, else prevote nil. */
        int yes = cur->proposal_valid &&
                  (m->locked_round == -1 || hash_eq(&m->locked_value, &p->block_id));
        m->step = BFT_STEP_PREVOTE;
        return broadcast_vote(m, out, BFTVOTE_PREVOTE, yes ? &p->block_id : NULL);
    }
    if (p != NULL && m->step == BFT_STEP_PROPOSE && p->valid_round >= 0 &&
        p->valid_round < m->round) {
        /* Lines 28-33: a proposal with a proof of lock from round vr (2f+1
         * prevotes for it there): prevote it when valid and locked no
         * later than vr, or locked on it. */
        const round_rec *vr = find_round(m, p->valid_round);
        if (vr != NULL && bftvote_set_two_thirds_for(vr->prevotes, &p->block_id)) {
            int yes = cur->proposal_valid && (m->locked_round <= p->valid_round ||
                                              hash_eq(&m->locked_value, &p->block_id));
            m->step = BFT_STEP_PREVOTE;
            return broadcast_vote(m, out, BFTVOTE_PREVOTE, yes ? &p->block_id : NULL);
        }
    }
    if (p != NULL && cur->proposal_valid && m->step >= BFT_STEP_PREVOTE && !cur->fired_lock &&
        bftvote_set_two_thirds_for(cur->prevotes, &p->block_id)) {
        /* Lines 36-43: the proposal and 2f+1 prevotes for it in this round:
         * lock and precommit it (if still at prevote), and it becomes the
         * valid value either way. */
        cur->fired_lock = 1;
        hash256 v = p->block_id;
        m->has_valid = 1;
        m->valid_value = v;
        m->valid_round = m->round;
        if (m->step == BFT_STEP_PREVOTE) {
            m->has_locked = 1;
            m->locked_value = v;
            m->locked_round = m->round;
            m->step = BFT_STEP_PRECOMMIT;
            return broadcast_vote(m, out, BFTVOTE_PRECOMMIT, &v);
        }
        return BFT_OK;
    }
    if (m->step == BFT_STEP_PREVOTE && bftvote_set_two_thirds_for(cur->prevotes, NULL)) {
        /* Lines 44-46: 2f+1 prevotes for nil: precommit nil. */
        m->step = BFT_STEP_PRECOMMIT;
        return broadcast_vote(m, out, BFTVOTE_PRECOMMIT, NULL);
    }
    if (m->step == BFT_STEP_PREVOTE && !cur->fired_prevote_timeout &&
        bftvote_set_two_thirds_any(cur->prevotes)) {
        /* Lines 34-35: 2f+1 prevotes of any kind: start timeoutPrevote. */
        cur->fired_prevote_timeout = 1;
        return schedule(m, out, BFT_TIMEOUT_PREVOTE);
    }
    if (!cur->fired_precommit_timeout && bftvote_set_two_thirds_any(cur->precommits)) {
        /* Lines 47-48: 2f+1 precommits of any kind: start timeoutPrecommit. */
        cur->fired_precommit_timeout = 1;
        return schedule(m, out, BFT_TIMEOUT_PRECOMMIT);
    }
    *fired = 0;
    return BFT_OK;
}

static bft_status run_rules(bft *m, bft_actions *out)
{
    for (;;) {
        int fired;
        bft_status s = try_rules(m, out, &fired);
        if (s != BFT_OK || !fired)
            return s;
    }
}

bft_status bft_start(bft *m, bft_actions *out)
{
    bft_status s = start_round(m, out, 0); /* line 10 */
    return s != BFT_OK ? s : run_rules(m, out);
}

static int round_in_window(const bft *m, int32_t round)
{
    return round >= 0 && (int64_t)round <= (int64_t)m->round + BFT_ROUND_WINDOW;
}

bft_status bft_on_proposal(bft *m, bft_actions *out, const bftvote_proposal *proposal, int valid)
{
    if (proposal->height != m->height)
        return BFT_WRONG_HEIGHT;
    if (!round_in_window(m, proposal->round))
        return BFT_ROUND_TOO_FAR;
    if (proposal->valid_round < -1 || proposal->valid_round >= proposal->round)
        return BFT_BAD_VALID_ROUND;
    round_rec *r = get_round(m, proposal->round);
    if (r == NULL)
        return BFT_NO_MEMORY;
    if (!bftvote_proposal_verify(proposal, bftval_key(m->base, r->proposer)))
        return BFT_BAD_PROPOSAL_SIGNATURE;
    if (r->has_proposal) {
        const bftvote_proposal *q = &r->proposal;
        int same = q->valid_round == proposal->valid_round &&
                   hash_eq(&q->block_id, &proposal->block_id) &&
                   memcmp(q->sig, proposal->sig, KEYS_SIG_BYTES) == 0;
        return same ? BFT_DUPLICATE_PROPOSAL : BFT_CONFLICTING_PROPOSAL;
    }
    r->has_proposal = 1;
    r->proposal_valid = valid != 0;
    r->proposal = *proposal;
    return run_rules(m, out);
}

bft_status bft_on_vote(bft *m, bft_actions *out, bftvote_status *vote_status, const bftvote *vote)
{
    bftvote_status dummy;
    if (vote_status == NULL)
        vote_status = &dummy;
    *vote_status = BFTVOTE_OK;
    if (vote->height != m->height) {
        *vote_status = BFTVOTE_WRONG_HEIGHT;
        return BFT_WRONG_HEIGHT;
    }
    if (vote->round < 0 || (vote->type != BFTVOTE_PREVOTE && vote->type != BFTVOTE_PRECOMMIT)) {
        *vote_status = BFTVOTE_MALFORMED;
        return BFT_VOTE_REFUSED;
    }
    if (!round_in_window(m, vote->round)) {
        *vote_status = BFTVOTE_WRONG_ROUND;
        return BFT_ROUND_TOO_FAR;
    }
    round_rec *r = get_round(m, vote->round);
    if (r == NULL)
        return BFT_NO_MEMORY;
    bftvote_evidence ev;
    bftvote_status s =
        bftvote_set_add(vote->type == BFTVOTE_PREVOTE ? r->prevotes : r->precommits, &ev, vote);
    *vote_status = s;
    if (s == BFTVOTE_NO_MEMORY)
        return BFT_NO_MEMORY;
    if (s == BFTVOTE_CONFLICT) {
        bft_action *a = push(out, BFT_ACT_EVIDENCE, m->height, vote->round);
        if (a == NULL)
            return BFT_NO_MEMORY;
        a->evidence = ev;
    }
    if (s != BFTVOTE_OK)
        return BFT_VOTE_REFUSED;
    return run_rules(m, out);
}

bft_status bft_on_timeout(bft *m, bft_actions *out, bft_timeout kind, uint64_t height,
                          int32_t round)
{
    if (height != m->height || round != m->round)
        return BFT_STALE;
    bft_status s;
    switch (kind) {
    case BFT_TIMEOUT_PROPOSE: /* lines 57-60: prevote nil */
        if (m->step != BFT_STEP_PROPOSE)
            return BFT_STALE;
        m->step = BFT_STEP_PREVOTE;
        s = broadcast_vote(m, out, BFTVOTE_PREVOTE, NULL);
        break;
    case BFT_TIMEOUT_PREVOTE: /* lines 61-64: precommit nil */
        if (m->step != BFT_STEP_PREVOTE)
            return BFT_STALE;
        m->step = BFT_STEP_PRECOMMIT;
        s = broadcast_vote(m, out, BFTVOTE_PRECOMMIT, NULL);
        break;
    case BFT_TIMEOUT_PRECOMMIT: /* lines 65-67: next round */
        if (m->round == BFTVOTE_MAX_ROUND)
            return BFT_STALE;
        s = start_round(m, out, m->round + 1);
        break;
    default:
        return BFT_STALE;
    }
    return s != BFT_OK ? s : run_rules(m, out);
}

bft_status bft_on_value(bft *m, bft_actions *out, uint64_t height, int32_t round,
                        const hash256 *block_id)
{
    if (height != m->height || round != m->round || m->step != BFT_STEP_PROPOSE ||
        !m->awaiting_value)
        return BFT_STALE;
    m->awaiting_value = 0;
    bft_status s = propose(m, out, block_id, -1);
    return s != BFT_OK ? s : run_rules(m, out);
}

uint64_t bft_height(const bft *m)
{
    return m->height;
}

int32_t bft_round(const bft *m)
{
    return m->round;
}

bft_step bft_current_step(const bft *m)
{
    return m->step;
}

int bft_locked(const bft *m, hash256 *block_id, int32_t *round)
{
    *block_id = m->locked_value;
    *round = m->locked_round;
    return m->has_locked;
}

int bft_valid(const bft *m, hash256 *block_id, int32_t *round)
{
    *block_id = m->valid_value;
    *round = m->valid_round;
    return m->has_valid;
}

void bft_current_round_view(const bft *m, bft_round_view *out)
{
    memset(out, 0, sizeof *out);
    out->proposer = SIZE_MAX;
    const round_rec *r = find_round(m, m->round);
    if (r == NULL)
        return;
    out->proposer = r->proposer;
    out->has_proposal = r->has_proposal;
    out->prevote_power = bftvote_set_power_any(r->prevotes);
    out->precommit_power = bftvote_set_power_any(r->precommits);
}

const bftval_set *bft_validators(const bft *m)
{
    return m->base;
}
