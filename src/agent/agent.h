// Placeholder: the agent runtime (issue 4) lives in this folder.
#pragma once
