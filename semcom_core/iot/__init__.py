"""Paper 003: a learned IoT transceiver (DeepSC-IoT) against the classical separation chain
(JPEG -> rate-1/2 LDPC -> QPSK -> channel -> LDPC decoding -> JPEG decoding -> classifier).

Unit of bandwidth for both systems: complex channel uses per image. The learned system sends
k = 16 complex symbols (32 real numbers), as paper 003's z in C^k; the separation chain sends one
QPSK symbol (2 coded bits) per complex channel use."""
