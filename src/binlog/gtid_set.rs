//! MySQL GTID sets (`3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,...`): a MySQL flavor
//! master's gtid_executed, the PREVIOUS_GTIDS event at the start of each binlog file, and
//! the set a replica sends with COM_BINLOG_DUMP_GTID. Untagged GTIDs only (MySQL 8.4's
//! tagged ones are refused where a set is decoded).

use std::collections::BTreeMap;
use std::fmt;

/// A set of GTIDs: per source UUID, transaction numbers as sorted, disjoint, non-adjacent
/// intervals `[start, end)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GtidSet {
    sids: BTreeMap<[u8; 16], Vec<(u64, u64)>>,
}

/// A UUID in its 36-character text form.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = s.bytes().filter(|&b| b != b'-').collect();
    if hex.len() != 32 || s.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

impl GtidSet {
    /// No GTID.
    pub fn is_empty(&self) -> bool {
        self.sids.is_empty()
    }

    /// Adds `sid:gno` (gno from 1 to i64::MAX, as MySQL numbers them; others are not
    /// GTIDs and are ignored).
    pub fn add(&mut self, sid: [u8; 16], gno: u64) {
        if gno == 0 || gno > i64::MAX as u64 {
            return;
        }
        self.add_interval(sid, gno, gno + 1);
    }

    fn add_interval(&mut self, sid: [u8; 16], start: u64, end: u64) {
        let ivs = self.sids.entry(sid).or_default();
        // Common cases: the next number after the last interval, or past it.
        match ivs.last_mut() {
            Some(last) if start >= last.0 && start <= last.1 => {
                last.1 = last.1.max(end);
                return;
            }
            Some(last) if start > last.1 => {
                ivs.push((start, end));
                return;
            }
            None => {
                ivs.push((start, end));
                return;
            }
            Some(_) => {}
        }
        ivs.push((start, end));
        ivs.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ivs.len());
        for &(s, e) in ivs.iter() {
            match merged.last_mut() {
                Some(m) if s <= m.1 => m.1 = m.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *ivs = merged;
    }

    /// Whether `sid:gno` is in the set.
    pub fn contains(&self, sid: &[u8; 16], gno: u64) -> bool {
        self.sids.get(sid).is_some_and(|ivs| {
            // The last interval starting at or before gno.
            let i = ivs.partition_point(|&(s, _)| s <= gno);
            i > 0 && gno < ivs[i - 1].1
        })
    }

    /// Whether every GTID of `self` is in `other`.
    pub fn is_subset_of(&self, other: &GtidSet) -> bool {
        self.sids.iter().all(|(sid, ivs)| {
            let Some(theirs) = other.sids.get(sid) else {
                return ivs.is_empty();
            };
            ivs.iter()
                .all(|&(s, e)| theirs.iter().any(|&(ts, te)| s >= ts && e <= te))
        })
    }

    /// The GTIDs of `self` not in `other`.
    pub fn minus(&self, other: &GtidSet) -> GtidSet {
        let mut out = GtidSet::default();
        for (sid, ivs) in &self.sids {
            let theirs = other.sids.get(sid).map_or(&[][..], |v| v.as_slice());
            for &(s, e) in ivs {
                // Walk [s, e) past the other set's intervals.
                let mut from = s;
                for &(ts, te) in theirs {
                    if te <= from || ts >= e {
                        continue;
                    }
                    if ts > from {
                        out.add_interval(*sid, from, ts);
                    }
                    from = from.max(te);
                }
                if from < e {
                    out.add_interval(*sid, from, e);
                }
            }
        }
        out
    }

    /// Adds every GTID of `other`.
    pub fn union(&mut self, other: &GtidSet) {
        for (sid, ivs) in &other.sids {
            for &(s, e) in ivs {
                self.add_interval(*sid, s, e);
            }
        }
    }

    /// Reads the text form (`uuid:1-5:7,uuid:3`, whitespace and newlines allowed; empty
    /// text is the empty set).
    pub fn parse(text: &str) -> Result<GtidSet, String> {
        let mut set = GtidSet::default();
        for part in text.split(',') {
            let part: String = part.chars().filter(|c| !c.is_whitespace()).collect();
            if part.is_empty() {
                continue;
            }
            let mut pieces = part.split(':');
            let uuid = pieces.next().unwrap_or_default();
            let sid = parse_uuid(uuid).ok_or_else(|| format!("malformed GTID set: '{part}'"))?;
            for iv in pieces {
                let (s, e) = match iv.split_once('-') {
                    Some((s, e)) => (s.parse::<u64>(), e.parse::<u64>()),
                    None => (iv.parse::<u64>(), iv.parse::<u64>()),
                };
                match (s, e) {
                    (Ok(s), Ok(e)) if s >= 1 && e >= s && e <= i64::MAX as u64 => {
                        set.add_interval(sid, s, e + 1)
                    }
                    _ => return Err(format!("malformed GTID set: '{part}'")),
                }
            }
        }
        Ok(set)
    }

    /// The binary form PREVIOUS_GTIDS and COM_BINLOG_DUMP_GTID carry: the number of
    /// UUIDs (u64), then per UUID its 16 bytes, its number of intervals (u64) and each
    /// interval's start and end (exclusive), all little-endian.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.sids.len() as u64).to_le_bytes());
        for (sid, ivs) in &self.sids {
            out.extend_from_slice(sid);
            out.extend_from_slice(&(ivs.len() as u64).to_le_bytes());
            for &(s, e) in ivs {
                out.extend_from_slice(&s.to_le_bytes());
                out.extend_from_slice(&e.to_le_bytes());
            }
        }
    }

    /// Reads the binary form, checking every count against the bytes there are (the
    /// bytes may come from the network).
    pub fn decode(b: &[u8]) -> Result<GtidSet, String> {
        let take = |at: &mut usize, what: &str| -> Result<u64, String> {
            let v = b
                .get(*at..*at + 8)
                .ok_or_else(|| format!("GTID set cut short in {what}"))?;
            *at += 8;
            Ok(u64::from_le_bytes(v.try_into().unwrap_or_default()))
        };
        let mut at = 0usize;
        let n = take(&mut at, "its count")?;
        if n >> 56 == 1 {
            return Err("tagged GTID sets (MySQL 8.4) are not supported".into());
        }
        // Intervals as they come, sorted and merged once at the end (a hostile order
        // costs a sort, not a re-sort per interval).
        let mut raw: BTreeMap<[u8; 16], Vec<(u64, u64)>> = BTreeMap::new();
        for _ in 0..n {
            let sid: [u8; 16] = b
                .get(at..at + 16)
                .and_then(|s| s.try_into().ok())
                .ok_or("GTID set cut short in a UUID")?;
            at += 16;
            let k = take(&mut at, "an interval count")?;
            if k > (b.len().saturating_sub(at) / 16) as u64 {
                return Err("GTID set cut short in its intervals".into());
            }
            for _ in 0..k {
                let (s, e) = (take(&mut at, "an interval")?, take(&mut at, "an interval")?);
                if s == 0 || e <= s || e > i64::MAX as u64 + 1 {
                    return Err(format!("GTID set interval [{s}, {e}) is not one of GTIDs"));
                }
                raw.entry(sid).or_default().push((s, e));
            }
        }
        let mut set = GtidSet::default();
        for (sid, mut ivs) in raw {
            ivs.sort_unstable();
            for (s, e) in ivs {
                set.add_interval(sid, s, e);
            }
        }
        Ok(set)
    }
}

impl fmt::Display for GtidSet {
    /// mysqld's text: `uuid:1-5:7,uuid2:1-3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (sid, ivs)) in self.sids.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(&super::events::format_uuid(sid))?;
            for &(s, e) in ivs {
                if e == s + 1 {
                    write!(f, ":{s}")?;
                } else {
                    write!(f, ":{s}-{}", e - 1)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "ad9ae3c2-0b5e-11ea-8e4d-0242ac110002";

    #[test]
    fn text_binary_and_set_operations() {
        let mut s = GtidSet::parse(&format!("{B}:3, {A}:1-5:7\n")).unwrap();
        assert_eq!(s.to_string(), format!("{A}:1-5:7,{B}:3"));
        let a = parse_uuid(A).unwrap();
        s.add(a, 6);
        assert_eq!(s.to_string(), format!("{A}:1-7,{B}:3"));
        assert!(s.contains(&a, 7) && !s.contains(&a, 8));
        let mut bin = Vec::new();
        s.encode(&mut bin);
        assert_eq!(GtidSet::decode(&bin).unwrap(), s);
        let small = GtidSet::parse(&format!("{A}:2-3")).unwrap();
        assert!(small.is_subset_of(&s) && !s.is_subset_of(&small));
        assert!(GtidSet::default().is_subset_of(&small));
        let mut u = small.clone();
        u.union(&GtidSet::parse(&format!("{A}:4,{B}:1")).unwrap());
        assert_eq!(u.to_string(), format!("{A}:2-4,{B}:1"));
        assert_eq!(s.minus(&small).to_string(), format!("{A}:1:4-7,{B}:3"));
        assert!(small.minus(&s).is_empty());
        assert!(GtidSet::parse("nonsense:1").is_err());
        assert!(GtidSet::parse(&format!("{A}:0")).is_err());
        assert!(GtidSet::parse("").unwrap().is_empty());
    }

    proptest::proptest! {
        /// Whatever bytes or text a replica sends, a set or an error, never a panic; a
        /// set decoded encodes back to what decodes to itself.
        #[test]
        fn any_input_decodes_or_errs(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120), t in "[0-9a-f:,-]{0,60}") {
            if let Ok(set) = GtidSet::decode(&b) {
                let mut again = Vec::new();
                set.encode(&mut again);
                proptest::prop_assert_eq!(GtidSet::decode(&again).unwrap(), set);
            }
            let _ = GtidSet::parse(&t);
        }
    }

    #[test]
    fn hostile_binary_sets_are_refused() {
        // A count no bytes back up, a cut interval, an empty interval.
        assert!(GtidSet::decode(&u64::MAX.to_le_bytes()).is_err());
        let mut b = 1u64.to_le_bytes().to_vec();
        b.extend_from_slice(&[7; 16]);
        b.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(GtidSet::decode(&b).is_err());
        let mut b = 1u64.to_le_bytes().to_vec();
        b.extend_from_slice(&[7; 16]);
        b.extend_from_slice(&1u64.to_le_bytes());
        b.extend_from_slice(&5u64.to_le_bytes());
        b.extend_from_slice(&5u64.to_le_bytes());
        assert!(GtidSet::decode(&b).is_err());
        assert!(GtidSet::decode(&[1, 2]).is_err());
    }
}
