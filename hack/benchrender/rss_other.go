//go:build !darwin

package main

const rssInBytes = false
