//! TABLE_MAP: the description of a table that the rows events after it refer to by id.
//!
//! Layout: table id (6 bytes, or 4 when the FDE gives the post-header as 6), flags, then
//! schema and table names (length byte, bytes, NUL), the column count, one type byte per
//! column, a length-prefixed metadata block (0–2 bytes per column depending on its type),
//! the NULL-ability bitmap and, from MySQL 8.0 / MariaDB 10.5, optional metadata fields
//! (signedness, charsets, column names, ENUM/SET values, primary key, visibility...).
//!
//! A [`TableMap`] borrows the event body; [`TableMap::into_owned`] copies it once so a
//! printer or applier can keep the map for the rows events of the transaction. The only
//! allocation per map is one small `Vec` of column descriptions: table maps come once per
//! table per transaction, not per row.

use std::borrow::Cow;

use super::cursor::Cursor;
use super::error::Result;
use super::event::EventType;
use super::fde::FormatDescription;
use super::value::{column_type as ct, string_real_type};

mod optional;

/// A byte range of the event body (keeps [`TableMap`] free of self-references when owned).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    /// Offset in the body.
    start: u32,
    /// Length.
    len: u32,
}

impl Span {
    fn of(body: &[u8], part: &[u8]) -> Span {
        // `part` comes from a cursor over `body`; an empty part may be a static empty slice.
        match (part.as_ptr() as usize).checked_sub(body.as_ptr() as usize) {
            Some(start) if !part.is_empty() && start + part.len() <= body.len() => Span {
                start: start as u32,
                len: part.len() as u32,
            },
            _ => Span::default(),
        }
    }

    fn get<'b>(&self, body: &'b [u8]) -> &'b [u8] {
        let s = self.start as usize;
        body.get(s..s + self.len as usize).unwrap_or(&[])
    }
}

/// The metadata word of a column, read according to its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnMeta {
    /// The type has no metadata.
    None,
    /// FLOAT / DOUBLE: bytes of storage (4 or 8).
    FloatSize(u8),
    /// VARCHAR / VARBINARY: maximum length in bytes (a 2-byte length prefix above 255).
    MaxLength(u16),
    /// BLOB / TEXT / GEOMETRY / JSON / VECTOR: bytes of the length prefix (1–4).
    PackLength(u8),
    /// DECIMAL(precision, scale).
    Decimal {
        /// Total digits.
        precision: u8,
        /// Digits after the point.
        scale: u8,
    },
    /// BIT(bits).
    Bit {
        /// Declared width.
        bits: u16,
    },
    /// TIME2 / DATETIME2 / TIMESTAMP2: fractional-second digits.
    Fsp(u8),
    /// CHAR / BINARY: maximum length in bytes.
    Char {
        /// Maximum length in bytes.
        length: u32,
    },
    /// ENUM or SET (logged as STRING): the real type and bytes per value.
    EnumSet {
        /// `column_type::ENUM` or `column_type::SET`.
        real_type: u8,
        /// Bytes per value in the row image.
        pack_length: u8,
    },
}

/// One column as the TABLE_MAP describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Type code as logged (ENUM and SET appear as STRING; see [`Column::real_type`]).
    pub type_code: u8,
    /// The metadata word in MySQL's `table_def` form (what `mysqlbinlog -vv` shows as meta).
    pub meta: u16,
    /// Element type of a MySQL TYPED_ARRAY column (`meta` is then the element's metadata).
    pub array_element_type: Option<u8>,
    /// The column may hold NULL (from the NULL-ability bitmap).
    pub nullable: bool,
    /// Numeric columns: UNSIGNED (optional metadata SIGNEDNESS).
    pub unsigned: Option<bool>,
    /// Character, ENUM and SET columns: collation number (optional metadata).
    pub charset: Option<u32>,
    /// GEOMETRY columns: geometry type (optional metadata).
    pub geometry_type: Option<u32>,
    /// VECTOR columns: dimensions (optional metadata).
    pub vector_dimensions: Option<u32>,
    /// False for MySQL invisible columns (optional metadata COLUMN_VISIBILITY).
    pub visible: Option<bool>,
    /// Column name, when the master logs names.
    name: Option<Span>,
    /// ENUM / SET: the encoded value list (count, then length-prefixed strings).
    str_values: Option<Span>,
}

impl Column {
    /// The type the values really have: ENUM and SET are recognised from a STRING's metadata.
    pub fn real_type(&self) -> u8 {
        if self.type_code == ct::STRING {
            let (real, _) = string_real_type(self.meta);
            if real == ct::ENUM || real == ct::SET {
                return real;
            }
        }
        self.type_code
    }

    /// The metadata interpreted for the column's type.
    pub fn meta_view(&self) -> ColumnMeta {
        let m = self.meta;
        match self.type_code {
            ct::FLOAT | ct::DOUBLE => ColumnMeta::FloatSize(m as u8),
            ct::VARCHAR | ct::VAR_STRING | ct::VARCHAR_COMPRESSED => ColumnMeta::MaxLength(m),
            ct::BLOB | ct::BLOB_COMPRESSED | ct::TINY_BLOB | ct::MEDIUM_BLOB | ct::LONG_BLOB => {
                ColumnMeta::PackLength(m as u8)
            }
            ct::GEOMETRY | ct::JSON | ct::VECTOR => ColumnMeta::PackLength(m as u8),
            ct::NEWDECIMAL => ColumnMeta::Decimal {
                precision: (m >> 8) as u8,
                scale: m as u8,
            },
            ct::BIT => ColumnMeta::Bit {
                bits: (m >> 8) * 8 + (m & 0xff),
            },
            ct::TIME2 | ct::DATETIME2 | ct::TIMESTAMP2 => ColumnMeta::Fsp(m as u8),
            ct::STRING | ct::ENUM | ct::SET => match string_real_type(m) {
                (real @ (ct::ENUM | ct::SET), len) => ColumnMeta::EnumSet {
                    real_type: real,
                    pack_length: len as u8,
                },
                (_, length) => ColumnMeta::Char { length },
            },
            _ => ColumnMeta::None,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(
            self.type_code,
            ct::TINY
                | ct::SHORT
                | ct::INT24
                | ct::LONG
                | ct::LONGLONG
                | ct::NEWDECIMAL
                | ct::FLOAT
                | ct::DOUBLE
        )
    }

    fn is_enum_or_set(&self) -> bool {
        matches!(self.real_type(), ct::ENUM | ct::SET)
    }

    /// Columns that optional metadata lists charsets for; the flavors disagree on GEOMETRY
    /// (MariaDB counts it, as a BLOB) and VECTOR (MySQL 9 counts it).
    fn is_character(&self, mariadb: bool) -> bool {
        match self.real_type() {
            ct::STRING | ct::VAR_STRING | ct::VARCHAR | ct::BLOB => true,
            ct::GEOMETRY => mariadb,
            ct::VECTOR => !mariadb,
            _ => false,
        }
    }
}

/// One part of the primary key: column index and prefix length (0 = whole column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPart {
    /// 0-based column index.
    pub column: usize,
    /// Prefix length in characters, 0 for the whole column.
    pub prefix: u32,
}

/// A decoded TABLE_MAP.
#[derive(Clone, Debug)]
pub struct TableMap<'a> {
    /// The event body every span below points into.
    body: Cow<'a, [u8]>,
    /// Id the rows events use for this table (valid until the next map of the same id).
    pub table_id: u64,
    /// TABLE_MAP flags (bit 0: NO_FLAGS... MySQL defines none that matter for decoding).
    pub flags: u16,
    /// Database name.
    schema: Span,
    /// Table name.
    table: Span,
    /// One type byte per column.
    column_types: Span,
    /// The raw metadata block.
    metadata: Span,
    /// NULL-ability bitmap, one bit per column (LSB first).
    null_bitmap: Span,
    /// Raw optional metadata (empty before MySQL 8.0 / MariaDB 10.5).
    optional: Span,
    /// Per-column descriptions.
    columns: Vec<Column>,
    /// Primary key parts, when optional metadata lists them.
    primary_key: Vec<KeyPart>,
}

impl<'a> TableMap<'a> {
    /// Decodes a TABLE_MAP body (after the common header, before the checksum).
    pub fn parse(body: &'a [u8], fde: &FormatDescription) -> Result<TableMap<'a>> {
        let post = fde.post_header_len(EventType::TableMap, 8) as usize;
        let mut c = Cursor::new(body);
        let id_len = if post == 6 { 4 } else { 6 };
        let table_id = c.uint_n(id_len, "table map table id")?;
        let flags = c.u16("table map flags")?;
        if post > id_len + 2 {
            c.skip(post - id_len - 2, "table map post-header")?;
        }
        let n = c.u8("schema name length")? as usize;
        let schema = Span::of(body, c.bytes(n, "schema name")?);
        c.skip(1, "schema name terminator")?;
        let n = c.u8("table name length")? as usize;
        let table = Span::of(body, c.bytes(n, "table name")?);
        c.skip(1, "table name terminator")?;
        let count = c.lenenc_len("column count")?;
        let types = c.bytes(count, "column types")?;
        // MySQL 5.1 before 5.1.18 wrote neither metadata nor the NULL bitmap.
        let meta = if c.is_empty() {
            &[][..]
        } else {
            let n = c.lenenc_len("metadata length")?;
            c.bytes(n, "column metadata")?
        };
        let nulls = if c.is_empty() {
            &[][..]
        } else {
            c.bytes(count.div_ceil(8), "null bitmap")?
        };
        let optional = c.rest();
        let mut map = TableMap {
            table_id,
            flags,
            schema,
            table,
            column_types: Span::of(body, types),
            metadata: Span::of(body, meta),
            null_bitmap: Span::of(body, nulls),
            optional: Span::of(body, optional),
            columns: Vec::with_capacity(count),
            primary_key: Vec::new(),
            body: Cow::Borrowed(body),
        };
        map.read_columns(types, meta, nulls)?;
        map.read_optional(body, optional, fde.mariadb)?;
        Ok(map)
    }

    /// Fills `columns` from the type bytes, the metadata block and the NULL bitmap.
    fn read_columns(&mut self, types: &[u8], meta: &[u8], nulls: &[u8]) -> Result<()> {
        let mut m = Cursor::new(meta);
        for (i, &ty) in types.iter().enumerate() {
            let mut element = None;
            let meta_type = if ty == ct::TYPED_ARRAY && !meta.is_empty() {
                let e = m.u8("typed array element type")?;
                element = Some(e);
                e
            } else {
                ty
            };
            let word = if meta.is_empty() {
                0
            } else {
                read_meta(&mut m, meta_type)?
            };
            self.columns.push(Column {
                type_code: ty,
                meta: word,
                array_element_type: element,
                nullable: nulls.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1),
                unsigned: None,
                charset: None,
                geometry_type: None,
                vector_dimensions: None,
                visible: None,
                name: None,
                str_values: None,
            });
        }
        Ok(())
    }

    /// Copies the body so the map outlives the event buffer.
    pub fn into_owned(self) -> TableMap<'static> {
        TableMap {
            body: Cow::Owned(self.body.into_owned()),
            table_id: self.table_id,
            flags: self.flags,
            schema: self.schema,
            table: self.table,
            column_types: self.column_types,
            metadata: self.metadata,
            null_bitmap: self.null_bitmap,
            optional: self.optional,
            columns: self.columns,
            primary_key: self.primary_key,
        }
    }

    /// Database name.
    pub fn schema(&self) -> &[u8] {
        self.schema.get(&self.body)
    }

    /// Table name.
    pub fn table(&self) -> &[u8] {
        self.table.get(&self.body)
    }

    /// Number of columns.
    pub fn column_count(&self) -> usize {
        self.columns.len()
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The raw type bytes, one per column.
    pub fn column_types(&self) -> &[u8] {
        self.column_types.get(&self.body)
    }

    /// The raw metadata block.
    pub fn metadata(&self) -> &[u8] {
        self.metadata.get(&self.body)
    }

    /// The NULL-ability bitmap (LSB first; empty for pre-5.1.18 masters).
    pub fn null_bitmap(&self) -> &[u8] {
        self.null_bitmap.get(&self.body)
    }

    /// The raw optional metadata.
    pub fn optional_metadata(&self) -> &[u8] {
        self.optional.get(&self.body)
    }

    /// Name of column `i`, when logged (binlog_row_metadata=FULL).
    pub fn column_name(&self, i: usize) -> Option<&[u8]> {
        Some(self.columns.get(i)?.name?.get(&self.body))
    }

    /// The permitted values of ENUM or SET column `i`, when logged.
    pub fn str_values(&self, i: usize) -> Option<StrValues<'_>> {
        let span = self.columns.get(i)?.str_values?;
        let mut c = Cursor::new(span.get(&self.body));
        let remaining = c.lenenc_len("ENUM/SET value count").ok()?;
        Some(StrValues { c, remaining })
    }

    /// Primary key parts, when logged.
    pub fn primary_key(&self) -> &[KeyPart] {
        &self.primary_key
    }

    /// Number of JSON columns (PARTIAL_UPDATE_ROWS sizes its partial bitmap by it).
    pub fn json_column_count(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| c.type_code == ct::JSON)
            .count()
    }
}

/// Iterator over the values of an ENUM or SET column.
#[derive(Clone, Debug)]
pub struct StrValues<'b> {
    /// The encoded list after the count.
    c: Cursor<'b>,
    /// Values not read yet.
    remaining: usize,
}

impl<'b> Iterator for StrValues<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let n = self.c.lenenc_len("ENUM/SET value length").ok()?;
        self.c.bytes(n, "ENUM/SET value").ok()
    }
}

/// Reads one column's metadata word as MySQL's `table_def` does.
fn read_meta(m: &mut Cursor<'_>, ty: u8) -> Result<u16> {
    const WHAT: &str = "column metadata";
    Ok(match ty {
        ct::TINY_BLOB
        | ct::BLOB
        | ct::MEDIUM_BLOB
        | ct::LONG_BLOB
        | ct::BLOB_COMPRESSED
        | ct::DOUBLE
        | ct::FLOAT
        | ct::GEOMETRY
        | ct::JSON
        | ct::VECTOR
        | ct::TIME2
        | ct::DATETIME2
        | ct::TIMESTAMP2 => m.u8(WHAT)? as u16,
        // Real type (or ENUM/SET) in the first byte, length or pack length in the second.
        ct::SET | ct::ENUM | ct::STRING | ct::NEWDECIMAL => {
            let b = m.array::<2>(WHAT)?;
            (b[0] as u16) << 8 | b[1] as u16
        }
        // Bits in the last byte first, then whole bytes.
        ct::BIT => {
            let b = m.array::<2>(WHAT)?;
            b[0] as u16 | (b[1] as u16) << 8
        }
        ct::VARCHAR | ct::VARCHAR_COMPRESSED => m.u16(WHAT)?,
        _ => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TABLE_MAP body for `db01.t` with the given types, metadata and optional metadata.
    pub(crate) fn body(types: &[u8], meta: &[u8], nulls: u8, optional: &[u8]) -> Vec<u8> {
        let mut b = vec![0x2a, 0, 0, 0, 0, 0, 1, 0];
        b.push(4);
        b.extend_from_slice(b"db01\0");
        b.push(1);
        b.extend_from_slice(b"t\0");
        b.push(types.len() as u8);
        b.extend_from_slice(types);
        b.push(meta.len() as u8);
        b.extend_from_slice(meta);
        b.extend(std::iter::repeat_n(nulls, types.len().div_ceil(8)));
        b.extend_from_slice(optional);
        b
    }

    fn fde() -> FormatDescription {
        FormatDescription::assumed_v4()
    }

    #[test]
    fn columns_and_metadata() {
        let types = [
            ct::LONG,
            ct::VARCHAR,
            ct::STRING,
            ct::STRING,
            ct::NEWDECIMAL,
            ct::BIT,
            ct::DATETIME2,
            ct::BLOB,
            ct::DOUBLE,
        ];
        let meta = [
            0x2c, 0x01, // varchar(300)
            0xfe, 0x0a, // char(10)
            0xf7, 0x01, // enum, 1 byte
            10, 2, // decimal(10,2)
            2, 1, // bit(10)
            6, // datetime(6)
            2, // blob
            8, // double
        ];
        let b = body(&types, &meta, 0b1111_1110, &[]);
        let map = TableMap::parse(&b, &fde()).unwrap();
        assert_eq!(map.table_id, 0x2a);
        assert_eq!(map.schema(), b"db01");
        assert_eq!(map.table(), b"t");
        let c = map.columns();
        assert!(!c[0].nullable && c[1].nullable);
        assert_eq!(c[1].meta_view(), ColumnMeta::MaxLength(300));
        assert_eq!(c[2].meta_view(), ColumnMeta::Char { length: 10 });
        assert_eq!(
            c[3].meta_view(),
            ColumnMeta::EnumSet {
                real_type: ct::ENUM,
                pack_length: 1
            }
        );
        assert_eq!(c[3].real_type(), ct::ENUM);
        assert_eq!(
            c[4].meta_view(),
            ColumnMeta::Decimal {
                precision: 10,
                scale: 2
            }
        );
        assert_eq!(c[5].meta, 258);
        assert_eq!(c[5].meta_view(), ColumnMeta::Bit { bits: 10 });
        assert_eq!(c[6].meta_view(), ColumnMeta::Fsp(6));
        assert_eq!(c[7].meta_view(), ColumnMeta::PackLength(2));
        assert_eq!(c[8].meta_view(), ColumnMeta::FloatSize(8));
        let owned = map.clone().into_owned();
        assert_eq!(owned.schema(), b"db01");
        assert_eq!(owned.columns(), map.columns());
    }

    #[test]
    fn damaged_maps_are_errors() {
        let b = body(&[ct::VARCHAR], &[10, 0], 0, &[]);
        for cut in 0..b.len() - 1 {
            // Every cut either fails or (at the optional boundary) parses what is there.
            let _ = TableMap::parse(&b[..cut], &fde());
        }
        assert!(TableMap::parse(&b[..12], &fde()).is_err());
        let short_meta = body(&[ct::VARCHAR], &[10], 0, &[]);
        assert!(TableMap::parse(&short_meta, &fde()).is_err());
        let bad_opt = body(&[ct::LONG], &[], 0, &[4, 9, 1]); // COLUMN_NAME, overlong
        assert!(TableMap::parse(&bad_opt, &fde()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..96)) {
            if let Ok(map) = TableMap::parse(&b, &fde()) {
                for i in 0..map.column_count() {
                    let _ = map.column_name(i);
                    let _ = map.str_values(i).map(|v| v.count());
                }
            }
        }
    }
}
