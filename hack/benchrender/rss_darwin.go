package main

const rssInBytes = true
