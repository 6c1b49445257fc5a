// dseek::chat::v3_1 -- the DeepSeek-V3.1 / V3.1-Terminus chat format
// (shared/vectors/chat-v3.1/FORMAT.md): V3's markers (chat/v3/literals.h) with plain tool calls
// NAME<｜tool▁sep｜>ARGS, no tool-outputs block, and the <think> / </think> switch.
//   encode.h       messages + thinking -> prompt text (the V3.1 Jinja template)
//   request.h      request body -> prompt (the template's view; with tools described)
//   parse.h        completion text -> chat::AssistantMessage (reasoning in thinking mode)
//   stream.h       the same, incrementally
#pragma once
#include "chat/v3_1/encode.h"
#include "chat/v3_1/parse.h"
#include "chat/v3_1/request.h"
#include "chat/v3_1/stream.h"
