//! The client subcommands, one module each, over strata-client.

pub(crate) mod cluster;
pub(crate) mod consume;
pub(crate) mod group;
pub(crate) mod produce;
pub(crate) mod topic;

use strata_client::{Admin, ClientConfig, Offset};

use crate::output::fail;
use crate::Connect;

/// An admin client for `--brokers`.
pub(crate) fn admin(connect: &Connect) -> Result<Admin, String> {
    Admin::new(client_config(connect)).map_err(fail)
}

/// The shared client settings for `--brokers`.
pub(crate) fn client_config(connect: &Connect) -> ClientConfig {
    let mut config = ClientConfig::new(&connect.brokers);
    config.client_id = "strata-cli".into();
    config
}

/// A position as the command line names it: beginning (earliest), end
/// (latest), an OFFSET, or @TIMESTAMP_MS.
pub(crate) fn parse_offset(s: &str) -> Result<Offset, String> {
    match s {
        "beginning" | "earliest" => Ok(Offset::Beginning),
        "end" | "latest" => Ok(Offset::End),
        _ if s.starts_with('@') => s[1..]
            .parse()
            .map(Offset::Timestamp)
            .map_err(|_| format!("{s}: expected @TIMESTAMP_MS (ms since the epoch)")),
        _ => match s.parse::<i64>() {
            Ok(o) if o >= 0 => Ok(Offset::At(o)),
            _ => Err(format!("{s}: expected beginning, end, an offset or @TIMESTAMP_MS")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_in_every_form() {
        assert_eq!(parse_offset("beginning"), Ok(Offset::Beginning));
        assert_eq!(parse_offset("latest"), Ok(Offset::End));
        assert_eq!(parse_offset("42"), Ok(Offset::At(42)));
        assert_eq!(parse_offset("@1700000000000"), Ok(Offset::Timestamp(1_700_000_000_000)));
        assert!(parse_offset("-3").is_err());
        assert!(parse_offset("@soon").is_err());
    }
}
