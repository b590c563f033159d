// Internal: the Lua scripts of adapters/redis/lua, compiled into the library (scripts.cpp is
// generated from them at build time). Their contracts are at the top of each .lua file.
#pragma once

#include "accord/redis/reply.hpp"

namespace accord::redis::scripts {

const Script& commit();
const Script& claim_due();
const Script& open_tasks();
const Script& put_definition();
const Script& put_dictionary();
const Script& timer_index();
const Script& user_add();
const Script& user_token();
const Script& user_revoke();
const Script& user_change();
const Script& session_open();
const Script& session_end();
const Script& units_put();
const Script& sign_in_failed();
const Script& next_timer();
const Script& clock_forward();
const Script& notice_add();
const Script& notice_page();
const Script& notice_read();
const Script& feed_add();

}  // namespace accord::redis::scripts
