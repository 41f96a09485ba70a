//! The collations the store knows: how many bytes a character may take (it sizes CHAR and
//! VARCHAR columns as the master's TABLE_MAP does) and how keys compare (so that a unique
//! key rejects 'a' next to 'A' under a `_ci` collation, as InnoDB does).
//!
//! Key weights: PAD SPACE collations ignore trailing spaces; latin1's collations weigh each
//! byte as mysqld does (their national orders: latin1_swedish_ci sorts Å, Ä, Ö after Z,
//! latin1_german2_ci expands Ä to AE — tables in [`latin1`]); other `_ci` collations
//! compare by each character's simple upper case after folding accented Latin letters to
//! their base letter, as `utf8mb4_general_ci` does (the finer rules of `_unicode_ci` are not
//! modelled — see docs/OPERATIONS.md); `_bin` by code point; `binary` by byte.
//!
//! Weights come from the stored bytes ([`Collation::weight`]: latin1 bytes for a latin1
//! column) and from the engine's UTF-8 text ([`Collation::weight_text`]); for one string the
//! two agree, so a key built from a row and a key built from a query's value meet.

pub mod latin1;

use latin1::Latin1Order;

/// How a collation compares strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// `binary`: bytes as they are, trailing spaces significant.
    Bytes,
    /// `_bin`: bytes, trailing spaces ignored.
    Bin,
    /// `_ci`: case-insensitive, trailing spaces ignored.
    CaseInsensitive,
}

/// One collation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collation {
    /// mysqld's collation id.
    pub id: u16,
    /// Its name.
    pub name: &'static str,
    /// Character set name.
    pub charset: &'static str,
    /// Longest character in bytes.
    pub mbmaxlen: u32,
    /// Comparison.
    pub compare: Compare,
    /// A latin1 collation's weight of each byte (`None` for latin1_bin and other sets).
    pub latin1: Option<&'static Latin1Order>,
}

/// A latin1 collation weighed by its table.
const fn l(id: u16, name: &'static str, order: &'static Latin1Order) -> Collation {
    let mut c = c(id, name, "latin1", 1);
    c.latin1 = Some(order);
    c
}

const fn c(id: u16, name: &'static str, charset: &'static str, mbmaxlen: u32) -> Collation {
    let b = name.as_bytes();
    let compare = if id == 63 {
        Compare::Bytes
    } else if b.len() > 4 && b[b.len() - 4] == b'_' && b[b.len() - 3] == b'b' {
        Compare::Bin
    } else {
        Compare::CaseInsensitive
    };
    Collation {
        id,
        name,
        charset,
        mbmaxlen,
        compare,
        latin1: None,
    }
}

/// Known collations; the first one of each character set is its default.
static COLLATIONS: &[Collation] = &[
    l(8, "latin1_swedish_ci", &latin1::SWEDISH_CI),
    l(5, "latin1_german1_ci", &latin1::GERMAN1_CI),
    l(15, "latin1_danish_ci", &latin1::DANISH_CI),
    l(31, "latin1_german2_ci", &latin1::GERMAN2_CI),
    c(47, "latin1_bin", "latin1", 1),
    l(48, "latin1_general_ci", &latin1::GENERAL_CI),
    l(49, "latin1_general_cs", &latin1::GENERAL_CS),
    l(94, "latin1_spanish_ci", &latin1::SPANISH_CI),
    c(45, "utf8mb4_general_ci", "utf8mb4", 4),
    c(46, "utf8mb4_bin", "utf8mb4", 4),
    c(224, "utf8mb4_unicode_ci", "utf8mb4", 4),
    c(246, "utf8mb4_unicode_520_ci", "utf8mb4", 4),
    c(255, "utf8mb4_0900_ai_ci", "utf8mb4", 4),
    c(33, "utf8mb3_general_ci", "utf8mb3", 3),
    c(83, "utf8mb3_bin", "utf8mb3", 3),
    c(192, "utf8mb3_unicode_ci", "utf8mb3", 3),
    c(63, "binary", "binary", 1),
    c(11, "ascii_general_ci", "ascii", 1),
    c(65, "ascii_bin", "ascii", 1),
    c(28, "gbk_chinese_ci", "gbk", 2),
    c(87, "gbk_bin", "gbk", 2),
    c(24, "gb2312_chinese_ci", "gb2312", 2),
    c(86, "gb2312_bin", "gb2312", 2),
    c(1, "big5_chinese_ci", "big5", 2),
    c(84, "big5_bin", "big5", 2),
    c(13, "sjis_japanese_ci", "sjis", 2),
    c(88, "sjis_bin", "sjis", 2),
    c(35, "ucs2_general_ci", "ucs2", 2),
    c(90, "ucs2_bin", "ucs2", 2),
    c(54, "utf16_general_ci", "utf16", 4),
    c(55, "utf16_bin", "utf16", 4),
    c(60, "utf32_general_ci", "utf32", 4),
    c(61, "utf32_bin", "utf32", 4),
    c(51, "cp1251_general_ci", "cp1251", 1),
    c(50, "cp1251_bin", "cp1251", 1),
    c(248, "gb18030_chinese_ci", "gb18030", 4),
    c(249, "gb18030_bin", "gb18030", 4),
];

/// The collation with mysqld id `id`.
pub fn by_id(id: u16) -> Option<&'static Collation> {
    COLLATIONS.iter().find(|c| c.id == id)
}

/// The collation named `name` (`utf8_*` means `utf8mb3_*`, as in MariaDB).
pub fn by_name(name: &str) -> Option<&'static Collation> {
    let name = name.to_ascii_lowercase();
    let name = match name.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => name,
    };
    COLLATIONS.iter().find(|c| c.name == name)
}

/// The default collation of character set `charset` (`utf8` means `utf8mb3`).
pub fn default_for(charset: &str) -> Option<&'static Collation> {
    let cs = charset.to_ascii_lowercase();
    let cs = if cs == "utf8" {
        "utf8mb3".to_string()
    } else {
        cs
    };
    COLLATIONS.iter().find(|c| c.charset == cs)
}

impl Collation {
    /// Appends the comparison weight of `s` to `out`: two strings are equal under the
    /// collation exactly when their weights are equal, and weights order as the
    /// collation does for ASCII and for `_bin`/`binary`.
    pub fn weight(&self, s: &[u8], out: &mut Vec<u8>) {
        if let Some(order) = self.latin1 {
            for &b in trim_spaces(s) {
                out.push(order.first[b as usize]);
                if let Some((_, w)) = order.second.iter().find(|(x, _)| *x == b) {
                    out.push(*w);
                }
            }
            return;
        }
        match self.compare {
            Compare::Bytes => out.extend_from_slice(s),
            Compare::Bin => out.extend_from_slice(trim_spaces(s)),
            Compare::CaseInsensitive => {
                let s = trim_spaces(s);
                if s.is_ascii() {
                    // The common case, and the same weights: ASCII folds to upper case
                    // (in place, a word at a time).
                    let from = out.len();
                    out.extend_from_slice(s);
                    out[from..].make_ascii_uppercase();
                } else if self.charset.starts_with("utf8") {
                    match std::str::from_utf8(s) {
                        Ok(text) => {
                            for ch in text.chars() {
                                let ch = fold_accents(ch);
                                let mut up = ch.to_uppercase();
                                // Only simple (one-to-one) mappings, as general_ci.
                                let u = match (up.next(), up.next()) {
                                    (Some(u), None) => u,
                                    _ => ch,
                                };
                                let mut b = [0u8; 4];
                                out.extend_from_slice(u.encode_utf8(&mut b).as_bytes());
                            }
                        }
                        Err(_) => out.extend_from_slice(s),
                    }
                } else {
                    out.extend(s.iter().map(u8::to_ascii_uppercase));
                }
            }
        }
    }
}

impl Collation {
    /// True when every character of `s` has a byte in this collation's set (always, but
    /// for latin1).
    pub fn represents(&self, s: &str) -> bool {
        self.charset != "latin1"
            || s.is_ascii()
            || s.chars().all(|c| super::text::latin1_byte(c).is_some())
    }

    /// [`Collation::represents`] of UTF-8 bytes (not UTF-8: false).
    pub fn represents_bytes(&self, s: &[u8]) -> bool {
        self.charset != "latin1"
            || s.is_ascii()
            || std::str::from_utf8(s).is_ok_and(|s| self.represents(s))
    }

    /// The weight of the engine's text `s` (UTF-8) under this collation: for a latin1
    /// collation, of `s` converted to latin1 as mysqld converts a value for a latin1
    /// column (a character latin1 lacks is `?`); otherwise as [`Collation::weight`].
    pub fn weight_text(&self, s: &[u8], out: &mut Vec<u8>) {
        if self.charset != "latin1" || s.is_ascii() {
            return self.weight(s, out);
        }
        let text = String::from_utf8_lossy(s);
        let bytes: Vec<u8> = text
            .chars()
            .map(|ch| super::text::latin1_byte(ch).unwrap_or(b'?'))
            .collect();
        self.weight(&bytes, out)
    }
}

/// The base letter `utf8mb4_general_ci` sorts an accented Latin letter as (its tables for
/// U+00C0–U+017F: `é` = `E`, `ß` = `S`; letters with their own weight stay).
fn fold_accents(ch: char) -> char {
    let c = ch as u32;
    if !(0xC0..=0x17F).contains(&c) {
        return ch;
    }
    if c < 0x100 {
        let folded = match c & !0x20 {
            0xC0..=0xC5 => 'A',
            0xC7 => 'C',
            0xC8..=0xCB => 'E',
            0xCC..=0xCF => 'I',
            0xD1 => 'N',
            0xD2..=0xD6 => 'O',
            0xD9..=0xDC => 'U',
            0xDD => 'Y',
            _ => match c {
                0xDF => 'S',
                0xFF => 'Y',
                _ => ch,
            },
        };
        // ×, ÷ are not letters.
        return if c == 0xD7 || c == 0xF7 { ch } else { folded };
    }
    // Latin Extended-A: pairs (upper, lower) grouped by base letter.
    const RANGES: &[(u32, u32, char)] = &[
        (0x100, 0x105, 'A'),
        (0x106, 0x10D, 'C'),
        (0x10E, 0x10F, 'D'),
        (0x112, 0x11B, 'E'),
        (0x11C, 0x123, 'G'),
        (0x124, 0x125, 'H'),
        (0x128, 0x131, 'I'),
        (0x134, 0x135, 'J'),
        (0x136, 0x137, 'K'),
        (0x139, 0x13E, 'L'),
        (0x143, 0x148, 'N'),
        (0x14C, 0x151, 'O'),
        (0x154, 0x159, 'R'),
        (0x15A, 0x161, 'S'),
        (0x162, 0x165, 'T'),
        (0x168, 0x173, 'U'),
        (0x174, 0x175, 'W'),
        (0x176, 0x178, 'Y'),
        (0x179, 0x17E, 'Z'),
    ];
    RANGES
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&c))
        .map_or(ch, |r| r.2)
}

fn trim_spaces(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(c: &Collation, s: &str) -> Vec<u8> {
        let mut v = Vec::new();
        c.weight(s.as_bytes(), &mut v);
        v
    }

    #[test]
    fn lookups_and_kinds() {
        assert_eq!(by_id(45).unwrap().name, "utf8mb4_general_ci");
        assert_eq!(by_name("utf8_general_ci").unwrap().id, 33);
        assert_eq!(default_for("utf8").unwrap().id, 33);
        assert_eq!(default_for("LATIN1").unwrap().id, 8);
        assert_eq!(by_name("utf8mb4_bin").unwrap().compare, Compare::Bin);
        assert_eq!(by_id(63).unwrap().compare, Compare::Bytes);
        assert_eq!(by_id(224).unwrap().compare, Compare::CaseInsensitive);
    }

    #[test]
    fn weights_follow_the_collation() {
        let ci = by_id(45).unwrap();
        assert_eq!(w(ci, "abc"), w(ci, "ABC  "));
        assert_eq!(w(ci, "straße"), w(ci, "STRAßE"));
        assert_eq!(w(ci, "épsilon"), w(ci, "EPSILON"));
        assert!(w(ci, "épsil") < w(ci, "eta"));
        assert_eq!(w(ci, "Ćma"), w(ci, "CMA"));
        assert_eq!(w(ci, "×"), w(ci, "×"));
        assert_ne!(w(ci, "a"), w(ci, "b"));
        let bin = by_id(46).unwrap();
        assert_ne!(w(bin, "a"), w(bin, "A"));
        assert_eq!(w(bin, "a"), w(bin, "a "));
        let binary = by_id(63).unwrap();
        assert_ne!(w(binary, "a"), w(binary, "a "));
    }
}
