//! Kafka's internal records of one kind, generated from Kafka's record specs by
//! strata-protocol-gen; do not edit. Regenerate with `cargo xtask codegen`.

pub mod transaction_log_key;
pub use transaction_log_key::TransactionLogKey;
pub mod transaction_log_value;
pub use transaction_log_value::TransactionLogValue;
