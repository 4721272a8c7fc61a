# LibTorch's umbrella header takes about 15 s to parse in every translation unit that includes it (measured on
# the 2-core CI machine: a training source compiles in 26 s without, 12.5 s with a precompiled header).
# Targets built on LibTorch precompile it once. Never for targets that see OBS's headers: OBS's graphics
# headers alias the SIMD intrinsics that LibTorch's declare.
function(tha4_precompile_torch target)
  target_precompile_headers(${target} PRIVATE <torch/torch.h>)
endfunction()
