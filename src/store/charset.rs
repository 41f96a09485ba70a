//! Text in the character sets a master's sessions and columns use, to and from UTF-8
//! (the SQL parser's and the engine's text): UTF-8 and ASCII as they are, latin1 by
//! mysqld's cp1252-based table (`text`), the multi-byte Asian sets (gbk, gb2312, gb18030,
//! big5, sjis, cp932, ujis, eucjpms, euckr) and the single-byte ones by their WHATWG
//! encodings, UCS-2 / UTF-16 / UTF-32 big-endian as mysqld stores them. A set not listed
//! here is `None`: the caller refuses the statement rather than store bytes wrongly.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// The character set of a collation id: the known collations', and the default
/// collations of the other sets a session may name.
pub fn of_collation(id: u16) -> Option<&'static str> {
    if let Some(c) = super::collation::by_id(id) {
        return Some(c.charset);
    }
    Some(match id {
        7 | 74 => "koi8r",
        9 | 21 | 27 | 77 => "latin2",
        12 | 91 => "ujis",
        16 | 71 => "hebrew",
        18 | 89 => "tis620",
        19 | 85 => "euckr",
        22 | 75 => "koi8u",
        25 | 70 => "greek",
        26 | 34 | 44 | 66 | 99 => "cp1250",
        30 | 78 => "latin5",
        41 | 42 | 79 | 20 => "latin7",
        56 | 62 => "utf16le",
        57 | 67 => "cp1256",
        59 | 29 | 58 => "cp1257",
        95 | 96 => "cp932",
        97 | 98 => "eucjpms",
        _ => return None,
    })
}

fn encoding(cs: &str) -> Option<&'static Encoding> {
    use encoding_rs::*;
    Some(match cs {
        "gbk" | "gb2312" => GBK,
        "gb18030" => GB18030,
        "big5" => BIG5,
        "sjis" | "cp932" => SHIFT_JIS,
        "ujis" | "eucjpms" => EUC_JP,
        "euckr" => EUC_KR,
        "cp1250" => WINDOWS_1250,
        "cp1251" => WINDOWS_1251,
        "cp1256" => WINDOWS_1256,
        "cp1257" => WINDOWS_1257,
        "koi8r" => KOI8_R,
        "koi8u" => KOI8_U,
        "latin2" => ISO_8859_2,
        "latin5" => WINDOWS_1254,
        "latin7" => ISO_8859_13,
        "greek" => ISO_8859_7,
        "hebrew" => ISO_8859_8,
        "tis620" => WINDOWS_874,
        _ => return None,
    })
}

/// `bytes` in charset `cs` as UTF-8; `None` for bytes that are not text of `cs`, or a set
/// not known here.
pub fn decode<'a>(bytes: &'a [u8], cs: &str) -> Option<Cow<'a, str>> {
    match cs {
        "utf8mb4" | "utf8mb3" | "utf8" | "ascii" | "binary" => {
            std::str::from_utf8(bytes).ok().map(Cow::Borrowed)
        }
        "latin1" => {
            let mut out = Vec::with_capacity(bytes.len());
            super::text::latin1_to_utf8(bytes, &mut out);
            String::from_utf8(out).ok().map(Cow::Owned)
        }
        "ucs2" | "utf16" | "utf16le" => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes.chunks(2).map(|c| {
                if cs == "utf16le" {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
                .map(Cow::Owned)
        }
        "utf32" => {
            if !bytes.len().is_multiple_of(4) {
                return None;
            }
            bytes
                .chunks(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect::<Option<String>>()
                .map(Cow::Owned)
        }
        other => encoding(other)?.decode_without_bom_handling_and_without_replacement(bytes),
    }
}

/// `text` in charset `cs`; `None` when a character has no code there, or for a set not
/// known here.
pub fn encode(text: &str, cs: &str) -> Option<Vec<u8>> {
    match cs {
        "utf8mb4" | "binary" => Some(text.as_bytes().to_vec()),
        "utf8mb3" | "utf8" => text
            .chars()
            .all(|c| (c as u32) < 0x10000)
            .then(|| text.as_bytes().to_vec()),
        "ascii" => text.is_ascii().then(|| text.as_bytes().to_vec()),
        "latin1" => super::text::utf8_to_latin1(text.as_bytes()),
        "ucs2" => text
            .chars()
            .map(|c| u16::try_from(c as u32).ok().map(u16::to_be_bytes))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat()),
        "utf16" | "utf16le" => Some(
            text.encode_utf16()
                .flat_map(|u| {
                    if cs == "utf16le" {
                        u.to_le_bytes()
                    } else {
                        u.to_be_bytes()
                    }
                })
                .collect(),
        ),
        "utf32" => Some(
            text.chars()
                .flat_map(|c| (c as u32).to_be_bytes())
                .collect(),
        ),
        other => {
            let enc = encoding(other)?;
            let (bytes, _, unmappable) = enc.encode(text);
            (!unmappable).then(|| bytes.into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_the_sets_sessions_use() {
        // 中文 in gbk, big5 and gb18030 as MariaDB's HEX(CONVERT('中文' USING ...)) shows.
        assert_eq!(encode("中文", "gbk").unwrap(), [0xd6, 0xd0, 0xce, 0xc4]);
        assert_eq!(encode("中文", "big5").unwrap(), [0xa4, 0xa4, 0xa4, 0xe5]);
        assert_eq!(decode(&[0xd6, 0xd0, 0xce, 0xc4], "gbk").unwrap(), "中文");
        // A trailing byte 0x5C ('\') inside a character: part of it, not an escape.
        let s = encode("表", "sjis").unwrap();
        assert_eq!(s, [0x95, 0x5c]);
        assert_eq!(decode(&s, "sjis").unwrap(), "表");
        assert_eq!(encode("Жж", "cp1251").unwrap(), [0xc6, 0xe6]);
        assert_eq!(encode("é", "ucs2").unwrap(), [0x00, 0xe9]);
        assert_eq!(decode(&[0, 0, 0, 0x41], "utf32").unwrap(), "A");
        // latin1 takes "?" for what it lacks, as the latin1 path always has.
        assert_eq!(encode("中", "latin1").unwrap(), b"?");
        assert!(encode("😀", "utf8mb3").is_none());
        assert!(decode(&[0xff, 0xff], "gbk").is_none());
        assert!(decode(b"x", "armscii8").is_none());
        assert_eq!(of_collation(19), Some("euckr"));
        assert_eq!(of_collation(28), Some("gbk"));
    }
}
