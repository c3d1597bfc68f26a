import FuzzDriver

// Placeholder: reads every input and checks nothing yet.
FuzzDriver.run { bytes in
    _ = bytes.count
}
