// (filled by the quantize work)
