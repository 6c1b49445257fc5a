// dseek::chat -- the DeepSeek-V3.2 chat format (shared/vectors/CHAT_FORMAT.md):
//   encode.h       messages -> prompt text (thinking mode, DSML tool calls, tool results)
//   request.h      OpenAI request body -> prompt (top-level tools / response_format)
//   parse.h        completion text -> AssistantMessage (message.h)
//   stream.h       the same, incrementally, as reasoning / content / tool-call deltas
//   python_json.h  the Python json.loads / json.dumps rules the format depends on
//   literals.h     the format's fixed strings
#pragma once
#include "chat/encode.h"
#include "chat/literals.h"
#include "chat/message.h"
#include "chat/parse.h"
#include "chat/python_json.h"
#include "chat/request.h"
#include "chat/stream.h"
