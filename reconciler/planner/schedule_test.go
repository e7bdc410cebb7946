package planner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSchedule(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	// nightly 22:00-23:00 UTC
	nightly := func(t time.Time) (time.Time, time.Time) {
		b := time.Date(t.Year(), t.Month(), t.Day(), 22, 0, 0, 0, time.UTC)
		if t.After(b.Add(time.Hour)) {
			b = b.AddDate(0, 0, 1)
		}
		return b, b.Add(time.Hour)
	}
	night := func(d time.Duration) (time.Time, time.Time) { return at(12*time.Hour + d), at(13*time.Hour + d) }
	step := func(start time.Time, after ...string) ScheduledStep { return ScheduledStep{Start: start, After: after} }
	windowed := func(start time.Time, win func(time.Duration) (time.Time, time.Time), day time.Duration, after ...string) ScheduledStep {
		b, e := win(day)
		return ScheduledStep{Start: start, WindowBegin: b, WindowEnd: e, After: after}
	}
	canaryProd := []ScheduleWave{{Name: "canary", BakeTime: 30 * time.Minute}, {Name: "prod", MaxParallel: 1}}

	tests := []struct {
		name string
		in   ScheduleInput
		want []ShootSchedule
	}{
		{
			name: "steps one after another",
			in:   ScheduleInput{Shoots: []ScheduleShoot{{Name: "a", Steps: 2}, {Name: "b"}}},
			want: []ShootSchedule{{Steps: []ScheduledStep{step(at(0)), step(at(30 * time.Minute))}}, {}},
		},
		{
			name: "the next wave starts after the bake time",
			in: ScheduleInput{Waves: canaryProd, Shoots: []ScheduleShoot{
				{Name: "dev", Wave: "canary", Steps: 2}, {Name: "prod", Wave: "prod", Steps: 1}}},
			want: []ShootSchedule{
				{Steps: []ScheduledStep{step(at(0)), step(at(30 * time.Minute))}},
				{Steps: []ScheduledStep{step(at(90*time.Minute), "wave canary bakes 30m")}},
			},
		},
		{
			name: "a wave without upgrades does not bake",
			in: ScheduleInput{Waves: canaryProd, Shoots: []ScheduleShoot{
				{Name: "dev", Wave: "canary"}, {Name: "prod", Wave: "prod", Steps: 1}}},
			want: []ShootSchedule{{}, {Steps: []ScheduledStep{step(at(0))}}},
		},
		{
			name: "maxParallel makes the second wait for a slot",
			in: ScheduleInput{Waves: canaryProd[1:], Shoots: []ScheduleShoot{
				{Name: "p1", Wave: "prod", Steps: 2}, {Name: "p2", Wave: "prod", Steps: 1}}},
			want: []ShootSchedule{
				{Steps: []ScheduledStep{step(at(0)), step(at(30 * time.Minute))}},
				{Steps: []ScheduledStep{step(at(time.Hour), "a free slot (1 at a time)")}},
			},
		},
		{
			name: "a dependency finishes first",
			in: ScheduleInput{Shoots: []ScheduleShoot{
				{Name: "app", Steps: 1, DependsOn: []string{"base", "lab"}}, {Name: "base", Steps: 3}}},
			want: []ShootSchedule{
				{Steps: []ScheduledStep{step(at(90*time.Minute), "base")}},
				{Steps: []ScheduledStep{step(at(0)), step(at(30 * time.Minute)), step(at(time.Hour))}},
			},
		},
		{
			name: "steps fit in a window while they can, the rest waits for the next",
			in: ScheduleInput{StepDuration: 40 * time.Minute, Shoots: []ScheduleShoot{
				{Name: "metal", Steps: 3, Window: nightly}}},
			want: []ShootSchedule{{Steps: []ScheduledStep{
				windowed(at(12*time.Hour), night, 0),
				windowed(at(12*time.Hour+40*time.Minute), night, 0),
				windowed(at(36*time.Hour), night, 24*time.Hour),
			}}},
		},
		{
			name: "a held shoot holds its wave and the later ones",
			in: ScheduleInput{Waves: canaryProd, Shoots: []ScheduleShoot{
				{Name: "dev", Wave: "canary", Steps: 1, Held: true}, {Name: "prod", Wave: "prod", Steps: 1}}},
			want: []ShootSchedule{{}, {Blocked: "wave canary has held shoots"}},
		},
		{
			name: "a dependency in a later wave never finishes first",
			in: ScheduleInput{Waves: canaryProd, Shoots: []ScheduleShoot{
				{Name: "dev", Wave: "canary", Steps: 1, DependsOn: []string{"prod"}}, {Name: "prod", Wave: "prod", Steps: 1}}},
			want: []ShootSchedule{
				{Blocked: "waits for prod, which does not finish before it"},
				{Blocked: "wave canary does not finish"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.in.Now = now
			if tt.in.StepDuration == 0 {
				tt.in.StepDuration = 30 * time.Minute
			}
			if diff := cmp.Diff(tt.want, Schedule(tt.in)); diff != "" {
				t.Errorf("Schedule (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{0: "0m", 30 * time.Minute: "30m", time.Hour: "1h", 90 * time.Minute: "1h30m", 51 * time.Hour: "2d3h"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
