"""semcom_core: split inference and task-oriented communication, trained, measured and explained.

One package per concept, lowest layer first (`scripts/check_layers.py` keeps it so):
  paths, config, device -- where files live, experiment configs, the device / precision policy
  channels -- AWGN / complex AWGN / Rayleigh / noiseless, one set of conventions, one name registry
  data     -- dataset preparation (upstream formats -> compact cache), batch loading, image decoding
  nets     -- CIFAR ResNets, the split model and its codec, multi-split models, DeepSC-IoT, the factory
  costs    -- MACs, parameters, sizes, latency, normalized computation / communication (paper 000)
  digital  -- the separation baseline: JPEG + 5G LDPC + QPSK (paper 003)
  zoo      -- the shipped models and tables in pretrained/: naming, export, safe loading
  eval     -- accuracy over channels, table readings, targets, live inference, statistics
  train    -- config-driven, resumable training
  cli      -- `python -m semcom_core ...`
"""

__version__ = "0.2.0"
