//! Result set metadata as the server sends it: column definitions (Protocol::ColumnDefinition41)
//! with MySQL's type codes, charsets and flags.

use super::put_lenenc_str;

/// Column type codes (MYSQL_TYPE_*): the same `enum_field_types` TABLE_MAP events carry.
pub use crate::binlog::value::column_type as types;

pub use crate::coldef::{flags, BINARY_CHARSET, UTF8MB4};

/// One column of a result set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Database of the underlying table ("" for expressions).
    pub schema: String,
    /// Table alias ("" for expressions).
    pub table: String,
    /// Underlying table name.
    pub org_table: String,
    /// Column label as the client sees it.
    pub name: String,
    /// Underlying column name.
    pub org_name: String,
    /// Character set (collation id) of the values.
    pub charset: u16,
    /// Display length in bytes.
    pub length: u32,
    /// MYSQL_TYPE_*.
    pub col_type: u8,
    /// Column flags.
    pub flags: u16,
    /// Decimals (0x1f: not fixed, as mysqld sends for strings and DOUBLE).
    pub decimals: u8,
}

impl Column {
    /// A text column of an expression or a SHOW result (mysqld's VARCHAR, utf8mb4).
    pub fn text(name: &str, max_chars: u32) -> Column {
        Column {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            name: name.to_string(),
            org_name: name.to_string(),
            charset: UTF8MB4,
            length: max_chars.saturating_mul(4),
            col_type: types::VAR_STRING,
            flags: 0,
            decimals: 0x27,
        }
    }

    /// A BIGINT column of an expression or SHOW result.
    pub fn bigint(name: &str, unsigned: bool) -> Column {
        Column {
            charset: BINARY_CHARSET,
            length: 21,
            col_type: types::LONGLONG,
            flags: flags::BINARY | if unsigned { flags::UNSIGNED } else { 0 },
            decimals: 0,
            ..Column::text(name, 0)
        }
    }

    /// A DOUBLE column of an expression.
    pub fn double(name: &str) -> Column {
        Column {
            charset: BINARY_CHARSET,
            length: 22,
            col_type: types::DOUBLE,
            flags: flags::BINARY,
            decimals: 31,
            ..Column::text(name, 0)
        }
    }

    /// The same column labelled as coming from `schema`.`table`.
    pub fn in_table(mut self, schema: &str, table: &str) -> Column {
        self.schema = schema.to_string();
        self.table = table.to_string();
        self.org_table = table.to_string();
        self
    }

    /// Protocol::ColumnDefinition41.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_lenenc_str(out, b"def");
        put_lenenc_str(out, self.schema.as_bytes());
        put_lenenc_str(out, self.table.as_bytes());
        put_lenenc_str(out, self.org_table.as_bytes());
        put_lenenc_str(out, self.name.as_bytes());
        put_lenenc_str(out, self.org_name.as_bytes());
        out.push(0x0c);
        out.extend_from_slice(&self.charset.to_le_bytes());
        out.extend_from_slice(&self.length.to_le_bytes());
        out.push(self.col_type);
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.push(self.decimals);
        out.extend_from_slice(&[0, 0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_definition_layout() {
        let mut out = Vec::new();
        Column::bigint("n", true).encode(&mut out);
        // def, "", "", "", n, n, 0x0c, charset 63, length 21, LONGLONG, flags, decimals, filler
        assert_eq!(&out[..4], b"\x03def");
        assert_eq!(&out[4..7], &[0, 0, 0]);
        assert_eq!(&out[7..11], b"\x01n\x01n");
        assert_eq!(out[11], 0x0c);
        assert_eq!(&out[12..14], &63u16.to_le_bytes());
        assert_eq!(&out[14..18], &21u32.to_le_bytes());
        assert_eq!(out[18], types::LONGLONG);
        let f = u16::from_le_bytes([out[19], out[20]]);
        assert_eq!(f, flags::BINARY | flags::UNSIGNED);
        assert_eq!(out.len(), 24);
    }
}
