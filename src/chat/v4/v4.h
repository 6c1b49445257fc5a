// dseek::chat::v4 -- the DeepSeek-V4 chat format (DeepSeek's encoding_dsv4.py):
//   options.h     the encoder's keyword arguments (thinking_mode, reasoning_effort, ...)
//   encode.h      messages -> prompt text (tool results in user turns, latest_reminder,
//                 developer, tasks, reasoning kept across tool rounds)
//   request.h     OpenAI request body (+ encoder options as top-level fields) -> prompt
//   parse.h       completion text -> chat::AssistantMessage (tool_calls DSML block)
//   stream.h      the same, incrementally (chat::StreamParser on V4's block)
//   literals.h    V4's own fixed strings (the shared ones are chat/literals.h)
// Internal: preprocess.h (merge/sort/drop), render.h (one message), dsml_render.h.
#pragma once
#include "chat/v4/encode.h"
#include "chat/v4/literals.h"
#include "chat/v4/options.h"
#include "chat/v4/parse.h"
#include "chat/v4/request.h"
#include "chat/v4/stream.h"
