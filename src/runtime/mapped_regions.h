// Mapped files named on SIGBUS: a checkpoint truncated or rewritten on disk while dseek has it
// mapped makes the next read of a vanished page raise SIGBUS. Instead of a bare "Bus error",
// the handler finds the file whose mapping holds the faulting address and prints
//   dseek: FILE changed on disk while mapped (truncated or rewritten: byte OFFSET of SIZE
//   could not be read); do not modify a checkpoint while dseek runs
// then dies of SIGBUS with the default action (exit status 135 in a shell). A SIGBUS outside
// every registered mapping dies the same way without the line.
//
// A process-wide fixed table (4096 mappings; a 671B GGUF split set or a safetensors checkpoint
// has at most a few hundred files); registering takes no lock and is safe against the handler
// running in another thread, as runtime/signal_cleanup's table is.
#pragma once
#include <cstddef>
#include <string>

namespace dseek {

// Registers [base, base + size) as the mapping of `path` (installs the handler on first use).
// Returns a handle for unregister_mapping (negative: the table was full; nothing is named).
int register_mapping(const void* base, size_t size, const std::string& path);
void unregister_mapping(int handle);

}  // namespace dseek
