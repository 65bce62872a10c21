/* Limits on a YAML configuration before it is composed into a document: its size and its
 * nesting depth. libyaml's scanner keeps one pending simple key per open flow level and walks
 * them all at every token, so a document nested 10^5 levels deep takes minutes (quadratic time);
 * streaming the events and stopping at the first level past the limit keeps that walk short. */
#include "ics_config.h"

#include <string.h>
#include <yaml.h>

ics_status ics__config_check_limits(const char *text, const char *name, ics_error *err)
{
    const size_t len = strlen(text);
    if (len > ICS_CONFIG_MAX_BYTES)
        return ics_error_set(err, ICS_EINPUT, "%s: config too large (%zu bytes, at most %u)", name,
                             len, (unsigned)ICS_CONFIG_MAX_BYTES);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return ics_error_set(err, ICS_ENOMEM, "%s: out of memory initialising the YAML parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    ics_status st = ICS_OK;
    int depth = 0, done = 0;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) break; /* syntax errors: reported by the composer */
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > ICS_CONFIG_MAX_DEPTH) {
                st = ics_error_set(err, ICS_EINPUT, "%s:%d: nested more than %d levels deep (a "
                                   "configuration needs fewer than 10)", name,
                                   (int)ev.start_mark.line + 1, ICS_CONFIG_MAX_DEPTH);
                done = 1;
            }
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            --depth;
        } else if (ev.type == YAML_STREAM_END_EVENT) {
            done = 1;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return st;
}
