//! What a result column is, in the protocol's own numbers: flags and character set ids
//! (type codes are the binlog's, `binlog::value::column_type`). Shared by the query engine,
//! which works out a result's columns, and `wire`, which sends them.

/// Column flags.
pub mod flags {
    /// NOT_NULL_FLAG.
    pub const NOT_NULL: u16 = 1;
    /// PRI_KEY_FLAG.
    pub const PRI_KEY: u16 = 2;
    /// UNIQUE_KEY_FLAG.
    pub const UNIQUE_KEY: u16 = 4;
    /// MULTIPLE_KEY_FLAG.
    pub const MULTIPLE_KEY: u16 = 8;
    /// BLOB_FLAG.
    pub const BLOB: u16 = 16;
    /// UNSIGNED_FLAG.
    pub const UNSIGNED: u16 = 32;
    /// ZEROFILL_FLAG.
    pub const ZEROFILL: u16 = 64;
    /// BINARY_FLAG.
    pub const BINARY: u16 = 128;
    /// ENUM_FLAG.
    pub const ENUM: u16 = 256;
    /// AUTO_INCREMENT_FLAG.
    pub const AUTO_INCREMENT: u16 = 512;
    /// TIMESTAMP_FLAG.
    pub const TIMESTAMP: u16 = 1024;
    /// SET_FLAG.
    pub const SET: u16 = 2048;
    /// NO_DEFAULT_VALUE_FLAG.
    pub const NO_DEFAULT_VALUE: u16 = 4096;
    /// PART_KEY_FLAG.
    pub const PART_KEY: u16 = 16384;
    /// NUM_FLAG (set by client libraries, never sent by mysqld).
    pub const NUM: u16 = 32768;
}

/// The `binary` character set id (numbers, temporal values, binary strings).
pub const BINARY_CHARSET: u16 = 63;
/// utf8mb4_general_ci: how the endpoint labels text it produces.
pub const UTF8MB4: u16 = 45;
