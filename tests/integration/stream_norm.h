// The normaliser of differential stream tests: what may differ from redis-server 7.0 in stream
// replies is masked or dropped before comparing.
#pragma once

#include "harness.h"

namespace postbox::it {

// Masks idle times (XPENDING's extended form, XINFO CONSUMERS), delivery and seen times and the
// radix tree statistics of XINFO STREAM [FULL] (Postbox has no radix tree), and HELLO's server
// details; every masked value must still be an integer. Drops the consumer fields Redis 7.2
// added (`inactive`, `active-time`), which the 7.0 oracle lacks; their own tests check them.
void stream_norm(const Cmd& cmd, Reply& r);

}  // namespace postbox::it
