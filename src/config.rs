//! Configuration file: see PRODUCT.md.
