//! Runnable scenarios live in this package's examples; see `cargo run -p commonground-examples --example offline_plan`.
