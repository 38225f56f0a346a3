"""The shipped models and tables in `pretrained/`: naming (`naming`), export and safe loading (`store`),
sweep tables (`tables`), paper 003's models (`iot`) and an inventory (`status`)."""
