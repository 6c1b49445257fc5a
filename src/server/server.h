// Placeholder: the OpenAI-compatible HTTP server (issue 3) lives in this folder.
#pragma once
