//! The applier's error rules: which mysqld error codes `slave_skip_errors` skips.

/// The error codes `slave_skip_errors=ddl_exist_errors` stands for (mysqld's list).
pub const DDL_EXIST_ERRORS: &[u16] = &[1007, 1008, 1050, 1051, 1054, 1060, 1061, 1068, 1091, 1146];

/// mysqld's message format for an error a master logged with a statement, as
/// "Query caused different errors on master and slave" quotes it (the common codes; the
/// others by number).
pub fn message_format(code: u16) -> String {
    match code {
        1048 => "Column '%-.192s' cannot be null".into(),
        1054 => "Unknown column '%-.192s' in '%-.192s'".into(),
        1062 => "Duplicate entry '%-.192s' for key '%-.192s'".into(),
        1146 => "Table '%-.192s.%-.192s' doesn't exist".into(),
        1264 => "Out of range value for column '%-.192s' at row %lu".into(),
        1364 => "Field '%-.192s' doesn't have a default value".into(),
        1366 => {
            "Incorrect %-.32s value: '%-.128T' for column `%.192s`.`%.192s`.`%.192s` at row %lu"
                .into()
        }
        other => format!("error {other}"),
    }
}

/// Parsed `slave_skip_errors`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkipErrors {
    /// `all`.
    pub all: bool,
    /// Listed codes.
    pub codes: Vec<u16>,
}

impl SkipErrors {
    /// Parses `OFF`, `all`, `ddl_exist_errors` and comma-separated codes (as mysqld).
    pub fn parse(s: Option<&str>) -> Result<SkipErrors, String> {
        let mut out = SkipErrors::default();
        let Some(s) = s else { return Ok(out) };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "off" => {}
                "all" => out.all = true,
                "ddl_exist_errors" => out.codes.extend_from_slice(DDL_EXIST_ERRORS),
                p => out
                    .codes
                    .push(p.parse().map_err(|_| {
                        format!("slave_skip_errors: '{part}' is not an error code")
                    })?),
            }
        }
        Ok(out)
    }

    /// True when nothing is skipped.
    pub fn is_empty(&self) -> bool {
        !self.all && self.codes.is_empty()
    }

    /// True when `code` is to be skipped.
    pub fn skips(&self, code: u16) -> bool {
        self.all || self.codes.contains(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_errors_parse_like_mysqld() {
        let s = SkipErrors::parse(Some("1062")).unwrap();
        assert!(s.skips(1062) && !s.skips(1032));
        let s = SkipErrors::parse(Some("1062, 1032")).unwrap();
        assert!(s.skips(1032));
        assert!(SkipErrors::parse(Some("ALL")).unwrap().skips(1));
        assert!(SkipErrors::parse(Some("ddl_exist_errors"))
            .unwrap()
            .skips(1050));
        assert!(!SkipErrors::parse(Some("OFF")).unwrap().skips(1062));
        assert!(SkipErrors::parse(Some("10x")).is_err());
    }
}
