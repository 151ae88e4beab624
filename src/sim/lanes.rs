//! 64 lanes in a `u64`: the bit-parallel passes of the N-1 analysis and the availability
//! estimates evaluate 64 failure cases (or samples) in one walk of the graph, bit `l` of a
//! node's mask standing for case `l`.

/// 64 counters side by side, one per bit of a `u64` (bit `p` of lane `l`'s count is bit `l` of
/// `planes[p]`): adding a mask of lanes costs a few word operations, not one per lane.
pub(crate) struct LaneCounters {
    planes: Vec<u64>,
}

impl LaneCounters {
    pub(crate) fn new() -> Self {
        Self { planes: Vec::new() }
    }

    /// Add one to every lane set in `mask`.
    pub(crate) fn add(&mut self, mask: u64) {
        let mut carry = mask;
        for plane in &mut self.planes {
            if carry == 0 {
                return;
            }
            let sum = *plane ^ carry;
            carry &= *plane;
            *plane = sum;
        }
        if carry != 0 {
            self.planes.push(carry);
        }
    }

    pub(crate) fn get(&self, lane: usize) -> u32 {
        self.planes
            .iter()
            .enumerate()
            .map(|(p, plane)| (((plane >> lane) & 1) as u32) << p)
            .sum()
    }
}

/// Lanes (bit positions) set in `mask`, lowest first.
pub(crate) fn lanes(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let lane = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            lane
        })
    })
}
