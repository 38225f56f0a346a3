"""semcom_core: split inference and task-oriented communication, trained, measured and explained.

Sub-modules, one job each:
  paths      -- where data caches, pretrained artifacts and shared datasets live
  device     -- the one device / precision policy (CUDA, else CPU with bf16 autocast)
  data       -- dataset preparation (upstream formats -> compact cache) and batch loading
  models     -- CIFAR ResNets and the split model with a k-number bottleneck
  channels   -- AWGN / complex AWGN / Rayleigh / noiseless, one set of conventions
  costs      -- MACs, parameters, sizes, latency, normalized computation/communication
"""

__version__ = "0.1.0"
