"""Budgeted task-oriented communication (paper 001): the budget maths (`budget`), the per-exit costs
(`costs`), training (`train`) and evaluation under a budget (`evaluate`). The networks themselves are in
`semcom_core.nets.toc`."""
