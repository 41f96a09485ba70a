//! Tables held in memory: information_schema's and the rows of a SHOW statement. The query
//! engine reads them as sources, and filters SHOW ... WHERE with
//! [`super::engine::filter_rows`].

use super::value::Value;

/// A table in memory: column names and rows.
#[derive(Clone, Debug, Default)]
pub struct MemTable {
    /// Column names, in order.
    pub columns: Vec<&'static str>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}
