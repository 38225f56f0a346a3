"""Digital transmission: the separation baseline of paper 003 (JPEG + 5G LDPC + QPSK, `separation`)."""
