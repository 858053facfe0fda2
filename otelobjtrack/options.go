package otelobjtrack

import (
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// DefaultMaxTypes is how many types Start exports by name unless
// WithMaxTypes says otherwise.
const DefaultMaxTypes = 300

// Option configures Start. Options are made by the With functions of this
// package.
type Option interface {
	apply(*config) error
}

// config is what the options set.
type config struct {
	provider metric.MeterProvider
	maxTypes int
}

func newConfig(opts []Option) (config, error) {
	c := config{provider: otel.GetMeterProvider(), maxTypes: DefaultMaxTypes}
	for i, opt := range opts {
		if opt == nil {
			return config{}, fmt.Errorf("otelobjtrack: Start: option %d is nil; pass options made by WithMeterProvider or WithMaxTypes", i)
		}
		if err := opt.apply(&c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// WithMeterProvider sets the provider whose meter reports the metrics.
// Without it, Start uses the global provider, otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) error {
		if mp == nil {
			return fmt.Errorf("otelobjtrack: WithMeterProvider(nil): pass a metric.MeterProvider, or leave the option out to use otel.GetMeterProvider()")
		}
		c.provider = mp
		return nil
	})
}

// WithMaxTypes caps the number of types exported by name at n
// (DefaultMaxTypes without it). When the inventory counts more types than
// n, the n with the most live objects are exported by name, and the rest
// are summed into one series whose objtrack.type is "other": every
// instrument then has at most n+1 series. See the package documentation
// for how the "other" counter stays monotonic.
func WithMaxTypes(n int) Option {
	return optionFunc(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("otelobjtrack: WithMaxTypes(%d): the cap must be at least 1 (the default is %d)", n, DefaultMaxTypes)
		}
		c.maxTypes = n
		return nil
	})
}
