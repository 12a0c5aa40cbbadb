"""The on-device coach: a small LLM (llama-cpp-python) behind a quality gate, a curated question
bank, a keyword/nearest-example category classifier and BM25 "seen before?" search.

The UI uses `kiosk.coach.suggest.Coach` (see its module docstring). Nothing here imports textual,
and llama_cpp is only imported when a model is loaded.
"""
