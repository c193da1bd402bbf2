package credits

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-zohodesk/zohodesk/internal/digits"
)

// OffsetTier is one step of the cost of list and search calls: a call whose
// "from" query parameter is at most MaxFrom costs Cost.
type OffsetTier struct {
	MaxFrom int
	Cost    int64
}

// CostTable holds the numbers of the default estimate table. Zoho's own
// figures are quoted differently by different sources, so every number is a
// field; [DefaultCostTable] returns the figures of design.md. All costs are in
// credits and must be positive.
type CostTable struct {
	// Single is the cost of reading, creating or updating one record.
	Single int64
	// ListTiers price list and search calls by their "from" parameter (a
	// missing or malformed "from" counts as 0), in ascending MaxFrom order;
	// a "from" beyond the last tier costs Beyond.
	ListTiers []OffsetTier
	Beyond    int64
	// UpdateMany is the flat cost of POST /tickets/updateMany.
	UpdateMany int64
	// TrashPerRecord is the cost per record of moving to trash, deleting or
	// restoring (Call.Records, at least 1).
	TrashPerRecord int64
	// RecordsPerCredit is how many records of a bulk write one credit pays
	// for (rounded up: 3 records at 2 per credit cost 2).
	RecordsPerCredit int
	// Count is the cost of a count call (a path ending in "/count", or a
	// last segment such as "ticketsCount" or "ticketsCountByFieldValues").
	Count int64
	// Unknown is the cost assumed for a call the table does not describe.
	// It is deliberately high: a low guess lets pacing overspend.
	Unknown int64
}

// DefaultUnknownCost is the estimate for a call the default table does not
// describe, until its real cost is learnt.
const DefaultUnknownCost int64 = 10

// DefaultCostTable returns the default Desk table (see design.md §1).
func DefaultCostTable() CostTable {
	return CostTable{
		Single: 1,
		ListTiers: []OffsetTier{
			{MaxFrom: 2_000, Cost: 3},
			{MaxFrom: 10_000, Cost: 5},
			{MaxFrom: 50_000, Cost: 10},
			{MaxFrom: 100_000, Cost: 50},
		},
		Beyond:           100,
		UpdateMany:       25,
		TrashPerRecord:   6,
		RecordsPerCredit: 2,
		Count:            50,
		Unknown:          DefaultUnknownCost,
	}
}

func (t CostTable) validate() error {
	bad := func(name string, v int64) error {
		return fmt.Errorf("credits: cost table %s is %d: costs must be positive (a zero cost switches pacing off): %w", name, v, ErrInvalidConfig)
	}
	for name, v := range map[string]int64{"Single": t.Single, "Beyond": t.Beyond, "UpdateMany": t.UpdateMany,
		"TrashPerRecord": t.TrashPerRecord, "Count": t.Count, "Unknown": t.Unknown} {
		if v <= 0 {
			return bad(name, v)
		}
	}
	if t.RecordsPerCredit <= 0 {
		return fmt.Errorf("credits: cost table RecordsPerCredit is %d: it must be positive: %w", t.RecordsPerCredit, ErrInvalidConfig)
	}
	for i, tier := range t.ListTiers {
		if tier.Cost <= 0 {
			return bad(fmt.Sprintf("ListTiers[%d].Cost", i), tier.Cost)
		}
		if i > 0 && tier.MaxFrom <= t.ListTiers[i-1].MaxFrom {
			return fmt.Errorf("credits: cost table ListTiers must be in ascending MaxFrom order (tier %d): %w", i, ErrInvalidConfig)
		}
	}
	return nil
}

// CostFunc computes the cost of a call on one route; it must return a
// positive number of credits.
type CostFunc func(Call) int64

// CostOptions configures a [CostModel]. The zero value is the default Desk
// table with learning on.
type CostOptions struct {
	// Table replaces the default table's numbers; nil means DefaultCostTable().
	Table *CostTable
	// Overrides fixes the cost of routes, keyed like [Route]: "GET
	// /tickets/{id}". Numeric segments may also be written literally
	// ("GET /tickets/123" names the same route). Costs must be positive.
	Overrides map[string]int64
	// Funcs computes the cost of routes, keyed like Overrides; it wins over
	// Overrides for the same route.
	Funcs map[string]CostFunc
	// NoLearning keeps estimates at the table (or override) values instead
	// of following the weights Desk reports.
	NoLearning bool
}

// maxRoutes bounds the routes a CostModel tracks one by one; calls on further
// routes share one entry, so paths with unusual non-numeric segments cannot
// grow memory without bound.
const maxRoutes = 1024

// otherRoute names the shared entry used once maxRoutes routes are tracked.
const otherRoute = "* (other routes)"

// learnRate is the weight of a new sample in the learnt correction factor:
// high enough to follow a change of Desk's prices within a few calls, low
// enough that one odd weight does not swing every estimate.
const learnRate = 0.3

// CostModel estimates what a call will cost before it is sent and learns
// from the weights Desk reports.
//
// The estimate of a call is its table cost (or override) times a correction
// factor learnt per route: the first reported weight sets the factor to
// actual/table, later ones move it by 30% of the difference. Estimates are
// rounded up and are at least 1. Routes are keyed by method and templated
// path (see [Route]), so "GET /tickets/1" and "GET /tickets/2" teach the same
// route, and tiered list calls keep their tiers (the factor scales them).
//
// A CostModel is safe for concurrent use; Estimate does not allocate once the
// route has been seen.
type CostModel struct {
	table      CostTable
	overrides  map[string]int64
	funcs      map[string]CostFunc
	noLearning bool

	// routes is copy-on-write: readers load the map without locking; mu
	// serialises the rare writers that add a route.
	routes atomic.Pointer[map[string]*routeState]
	mu     sync.Mutex
}

// NewCostModel returns a CostModel configured by opts. The error wraps
// ErrInvalidConfig.
func NewCostModel(opts CostOptions) (*CostModel, error) {
	t := DefaultCostTable()
	if opts.Table != nil {
		t = *opts.Table
		t.ListTiers = slices.Clone(t.ListTiers)
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	m := &CostModel{table: t, noLearning: opts.NoLearning, overrides: map[string]int64{}, funcs: map[string]CostFunc{}}
	for k, v := range opts.Overrides {
		key, err := normaliseRouteKey(k)
		if err != nil {
			return nil, err
		}
		if v <= 0 {
			return nil, fmt.Errorf("credits: cost override for %q is %d: costs must be positive: %w", k, v, ErrInvalidConfig)
		}
		m.overrides[key] = v
	}
	for k, f := range opts.Funcs {
		key, err := normaliseRouteKey(k)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, fmt.Errorf("credits: cost func for %q is nil: %w", k, ErrInvalidConfig)
		}
		m.funcs[key] = f
	}
	empty := map[string]*routeState{}
	m.routes.Store(&empty)
	return m, nil
}

// DefaultCostModel returns a learning CostModel over the default Desk table.
func DefaultCostModel() *CostModel {
	m, err := NewCostModel(CostOptions{})
	if err != nil {
		panic(err) // the default table is valid; a failure is a bug here
	}
	return m
}

func normaliseRouteKey(k string) (string, error) {
	method, path, ok := strings.Cut(strings.TrimSpace(k), " ")
	if !ok || method == "" || strings.TrimSpace(path) == "" {
		return "", fmt.Errorf("credits: cost route %q must be \"METHOD /path\", e.g. \"GET /tickets/{id}\": %w", k, ErrInvalidConfig)
	}
	return Route(method, strings.TrimSpace(path)), nil
}

// Route returns the key under which calls are priced and reported: the
// upper-case method, a space and the path with every all-digit segment
// replaced by "{id}", a leading "/" added, any query and trailing "/"
// removed. Route("get", "/tickets/123/threads") is "GET /tickets/{id}/threads".
func Route(method, path string) string {
	var buf [160]byte
	return string(appendRoute(buf[:0], method, path))
}

func appendRoute(dst []byte, method, path string) []byte {
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ' ')
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimRight(path, "/")
	if path == "" {
		return append(dst, '/')
	}
	for path != "" {
		path = strings.TrimLeft(path, "/")
		seg := path
		if i := strings.IndexByte(path, '/'); i >= 0 {
			seg, path = path[:i], path[i:]
		} else {
			path = ""
		}
		dst = append(dst, '/')
		if digits.Only(seg) {
			dst = append(dst, "{id}"...)
		} else {
			dst = append(dst, seg...)
		}
	}
	return dst
}

// routeState is what is known of one route: how it is priced and, for the
// usage report, what it was charged. Every field is updated atomically.
type routeState struct {
	route    string
	override int64
	fn       CostFunc

	factor  atomic.Uint64 // float64 bits; 0 means no sample yet (factor 1)
	samples atomic.Int64

	calls     atomic.Int64 // settled calls
	charged   atomic.Int64 // credits charged (actual, or the estimate without a weight)
	estimated atomic.Int64 // estimates of settled calls
	metered   atomic.Int64 // settled calls whose weight Desk reported
	mEst      atomic.Int64 // estimates of metered calls
	mActual   atomic.Int64 // weights of metered calls
	released  atomic.Int64
	refused   atomic.Int64
}

// lookup returns the state of the call's route, creating it if needed.
func (m *CostModel) lookup(method, path string) *routeState {
	var buf [160]byte
	key := appendRoute(buf[:0], method, path)
	if rs, ok := (*m.routes.Load())[string(key)]; ok { // no allocation: the compiler reuses key's bytes
		return rs
	}
	return m.add(string(key))
}

func (m *CostModel) add(key string) *routeState {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := *m.routes.Load()
	if rs, ok := cur[key]; ok {
		return rs
	}
	if len(cur) >= maxRoutes {
		if rs, ok := cur[otherRoute]; ok {
			return rs
		}
		key = otherRoute
	}
	rs := &routeState{route: key, override: m.overrides[key], fn: m.funcs[key]}
	next := make(map[string]*routeState, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[key] = rs
	m.routes.Store(&next)
	return rs
}

// Estimate returns the credits c is expected to cost: at least 1.
func (m *CostModel) Estimate(c Call) int64 {
	est, _, _ := m.estimate(c)
	return est
}

// TableEstimate returns the cost of c by the table or its route's override,
// ignoring what was learnt.
func (m *CostModel) TableEstimate(c Call) int64 {
	return m.base(m.lookup(c.Method, c.Path), c)
}

func (m *CostModel) estimate(c Call) (est, base int64, rs *routeState) {
	rs = m.lookup(c.Method, c.Path)
	base = m.base(rs, c)
	return m.scale(rs, base), base, rs
}

func (m *CostModel) base(rs *routeState, c Call) int64 {
	var b int64
	switch {
	case rs.fn != nil:
		b = rs.fn(c)
	case rs.override > 0:
		b = rs.override
	default:
		b = m.table.cost(c)
	}
	if b <= 0 {
		b = m.table.Unknown // a CostFunc returned nonsense: be conservative
	}
	return b
}

func (m *CostModel) scale(rs *routeState, base int64) int64 {
	if m.noLearning {
		return base
	}
	bits := rs.factor.Load()
	if bits == 0 {
		return base
	}
	f := math.Float64frombits(bits)
	// The small tolerance keeps 3 × 1.0000000001 from rounding up to 4.
	est := int64(math.Ceil(float64(base)*f - 1e-6))
	if est < 1 {
		est = 1
	}
	return est
}

// Learn teaches the model that c, estimated from a table cost of base, cost
// actual credits. It is called by the Governor on each response that
// reported a weight; call it directly only for calls that bypass the Governor.
func (m *CostModel) Learn(c Call, actual int64) {
	rs := m.lookup(c.Method, c.Path)
	m.learn(rs, m.base(rs, c), actual)
}

func (m *CostModel) learn(rs *routeState, base, actual int64) {
	if m.noLearning || base <= 0 || actual < 0 {
		return
	}
	sample := float64(actual) / float64(base)
	if sample == 0 {
		// Desk charged nothing (some errors are free). A factor of 0 would
		// mean estimates of 1 for every later call: floor it instead.
		sample = 1 / float64(base)
	}
	for {
		old := rs.factor.Load()
		next := sample
		if old != 0 {
			f := math.Float64frombits(old)
			next = f + learnRate*(sample-f)
		}
		if rs.factor.CompareAndSwap(old, math.Float64bits(next)) {
			break
		}
	}
	rs.samples.Add(1)
}

// RouteCost is what a CostModel knows of one route.
type RouteCost struct {
	Route string `json:"route"`
	// Factor is the learnt ratio of actual weight to table cost (1 before
	// any sample).
	Factor  float64 `json:"factor"`
	Samples int64   `json:"samples"`
}

// Routes returns what the model learnt, per route, sorted by route.
func (m *CostModel) Routes() []RouteCost {
	cur := *m.routes.Load()
	out := make([]RouteCost, 0, len(cur))
	for _, rs := range cur {
		f := 1.0
		if b := rs.factor.Load(); b != 0 {
			f = math.Float64frombits(b)
		}
		out = append(out, RouteCost{Route: rs.route, Factor: f, Samples: rs.samples.Load()})
	}
	slices.SortFunc(out, func(a, b RouteCost) int { return strings.Compare(a.Route, b.Route) })
	return out
}

// cost prices c by the table. It works on the raw path so that it allocates
// nothing.
func (t *CostTable) cost(c Call) int64 {
	path := c.Path
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimRight(path, "/")
	last := path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		last = path[i+1:]
	}
	records := int64(max(c.Records, 1))
	method := c.Method
	switch {
	case strings.EqualFold(last, "count") || strings.HasSuffix(last, "Count") || strings.Contains(last, "CountBy"):
		// "/tasks/count", "/ticketsCount", "/ticketsCountByFieldValues".
		return t.Count
	case strings.EqualFold(method, "POST") && strings.EqualFold(path, "/tickets/updateMany"):
		return t.UpdateMany
	case strings.EqualFold(method, "DELETE") || isTrashAction(last):
		return t.TrashPerRecord * records
	case strings.EqualFold(method, "GET"):
		if digits.Only(last) {
			return t.Single
		}
		if last == "" {
			return t.Unknown
		}
		return t.listCost(c.Query)
	case strings.EqualFold(method, "POST"), strings.EqualFold(method, "PATCH"), strings.EqualFold(method, "PUT"):
		if c.Records > 1 {
			n := int64(t.RecordsPerCredit)
			return (int64(c.Records) + n - 1) / n
		}
		return t.Single
	}
	return t.Unknown
}

func isTrashAction(seg string) bool {
	s := seg
	return containsFold(s, "trash") || containsFold(s, "delete") || containsFold(s, "restore")
}

// containsFold reports whether sub (lower case ASCII) occurs in s, ignoring
// ASCII case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func (t *CostTable) listCost(q url.Values) int64 {
	from := 0
	if q != nil {
		if v := q.Get("from"); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				from = n
			}
		}
	}
	for _, tier := range t.ListTiers {
		if from <= tier.MaxFrom {
			return tier.Cost
		}
	}
	return t.Beyond
}
