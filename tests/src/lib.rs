//! Integration tests across crates live in `tests/`.
