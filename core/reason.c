/* The reason table turned into lookup arrays. */
#include "reason.h"

#define REASON_MSG(code, msg) [code] = msg,
static const char *const messages[] = {REASON_MAP(REASON_MSG)};
#undef REASON_MSG

#define REASON_NAME(code, msg) [code] = #code,
static const char *const names[] = {REASON_MAP(REASON_NAME)};
#undef REASON_NAME

const char *reason_message(reason code)
{
    if ((unsigned)code >= REASON_COUNT)
        return "unknown reason";
    return messages[code];
}

const char *reason_name(reason code)
{
    if ((unsigned)code >= REASON_COUNT)
        return "UNKNOWN";
    return names[code] + 7; /* strlen("REASON_") */
}
