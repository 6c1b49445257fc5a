// dseek::chat::v3 -- the DeepSeek-V3 / V3-0324 chat format (shared/vectors/chat-v3/FORMAT.md):
//   encode.h       messages -> prompt text (the V3-0324 Jinja template)
//   request.h      request body -> prompt (the template's view; with tools described)
//   parse.h        completion text -> chat::AssistantMessage (fenced tool calls)
//   stream.h       the same, incrementally
//   literals.h     the tool markers (shared with chat/v3_1)
// Shared with chat/v3_1 (namespace detail): template_fields.h (what the templates read),
// calls.h (one call's layout, marker checks), tool_prompt.h (the model card's tool
// description), request_fields.h; parse.h / stream.h take the call layout as a parameter.
#pragma once
#include "chat/v3/encode.h"
#include "chat/v3/literals.h"
#include "chat/v3/parse.h"
#include "chat/v3/request.h"
#include "chat/v3/stream.h"
