//! `maglev`: Google's Maglev hashing (Eisenbud et al., NSDI 2016; Envoy `MAGLEV`). Each
//! endpoint has a permutation of a prime-sized table (offset and skip from two hashes of its
//! identity); endpoints take turns claiming their next free slot until the table is full.
//! Lookup is one table read; when an endpoint leaves, about 1/n of clients move.

use super::{Balance, Endpoint, PickContext, hash2};

pub struct Maglev {
    size: u32,
    table: Vec<u32>,
}

impl Maglev {
    pub fn new(size: u32) -> Self {
        Maglev {
            size,
            table: Vec::new(),
        }
    }

    pub fn lookup(&self, h: u64) -> Option<usize> {
        (!self.table.is_empty()).then(|| self.table[(h % self.size as u64) as usize] as usize)
    }
}

impl Balance for Maglev {
    fn pick(&mut self, _eps: &[Endpoint], cx: &mut PickContext) -> Option<usize> {
        self.lookup(hash2(cx.client as u64, 0x4D41_474C))
    }

    fn endpoints_changed(&mut self, eps: &[Endpoint]) {
        self.table.clear();
        if eps.is_empty() {
            return;
        }
        let m = self.size as u64;
        let perm: Vec<(u64, u64)> = eps
            .iter()
            .map(|e| (hash2(e.key, 1) % m, hash2(e.key, 2) % (m - 1) + 1))
            .collect();
        let mut next = vec![0u64; eps.len()];
        let mut table = vec![u32::MAX; m as usize];
        let mut filled = 0u64;
        'fill: loop {
            for (i, (offset, skip)) in perm.iter().enumerate() {
                let mut c = (offset + next[i] * skip) % m;
                while table[c as usize] != u32::MAX {
                    next[i] += 1;
                    c = (offset + next[i] * skip) % m;
                }
                table[c as usize] = i as u32;
                next[i] += 1;
                filled += 1;
                if filled == m {
                    break 'fill;
                }
            }
        }
        self.table = table;
    }
}
