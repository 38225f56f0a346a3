"""Measuring models: split-model accuracy over channels (`split`), readings off the sweep tables
(`readings`), targets (`targets`), live inference (`live`, `live_iot`), paper 003's comparison (`iot`) and
statistics (`stats`)."""
