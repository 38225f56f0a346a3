"""Networks: CIFAR ResNets (`resnet`), the split model with a k-number bottleneck (`split`), one network
for every split point (`multisplit`), DeepSC-IoT (`deepsc_iot`), and `factory.build_model`, which builds
any of them from a config."""
from semcom_core.nets.resnet import BACKBONES, CifarResNet, build_backbone  # noqa: F401
