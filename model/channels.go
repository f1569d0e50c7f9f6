package model

import "fmt"

// CheckChannels returns an error unless channels, the size of the last
// dimension of output layer i's predictions [bs, na, ny, nx, 5+nc], is
// 5 + d.NC. The error names nc, and the class count the channels would
// fit: a model file's nc: 80 kept for a dataset of fewer classes is the
// usual cause (LoadOptions.NC replaces it).
func (d Detect) CheckChannels(i, channels int) error {
	want := 5 + d.NC
	if channels == want {
		return nil
	}
	msg := fmt.Sprintf("model: p%d has %d channels, want 5+nc = %d for nc %d", i, channels, want, d.NC)
	if nc := channels - 5; nc >= 1 {
		msg += fmt.Sprintf("; %d channels are 5+nc for nc %d: is nc the dataset's class count? (LoadOptions.NC sets it)", channels, nc)
	}
	return fmt.Errorf("%s", msg)
}

// CheckChannels returns an error unless channels, the size of the channel
// dimension of output layer i's predictions [bs, 4·reg_max+nc, ny, nx], is
// a.Channels(). The error names nc and reg_max, and the class count (or
// reg_max) the channels would fit: a model file's nc: 80 kept for a
// dataset of fewer classes is the usual cause (LoadOptions.NC replaces
// it).
func (a AnchorFree) CheckChannels(i, channels int) error {
	want := a.Channels()
	if channels == want {
		return nil
	}
	msg := fmt.Sprintf("model: p%d has %d channels, want 4·reg_max+nc = %d for reg_max %d and nc %d", i, channels, want, a.RegMax, a.NC)
	var fits []string
	ncFits := channels-4*a.RegMax >= 1
	if ncFits {
		fits = append(fits, fmt.Sprintf("nc %d with reg_max %d", channels-4*a.RegMax, a.RegMax))
	}
	if r := channels - a.NC; r >= 4 && r%4 == 0 {
		fits = append(fits, fmt.Sprintf("reg_max %d with nc %d", r/4, a.NC))
	}
	switch {
	case len(fits) == 2:
		msg += fmt.Sprintf("; %d channels fit %s, or %s", channels, fits[0], fits[1])
	case len(fits) == 1:
		msg += fmt.Sprintf("; %d channels fit %s", channels, fits[0])
	}
	switch {
	case ncFits:
		msg += ": is nc the dataset's class count? (LoadOptions.NC sets it)"
	case len(fits) > 0:
		msg += ": is reg_max the model file's?"
	}
	return fmt.Errorf("%s", msg)
}
